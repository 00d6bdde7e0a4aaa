using OmniActors.Deploy.Tests.Support;

namespace OmniActors.Deploy.Tests;

public class ComposeTests
{
    private static readonly string[] Silos = ["silo1", "silo2"];

    private static Dictionary<object, object> Compose() => Yaml.Load(RepoPaths.InDeploy("docker-compose.yml"));

    private static Dictionary<object, object> Service(string name) => Compose().Map("services").Map(name);

    private static Dictionary<string, string> Environment(string service) =>
        Service(service).Map("environment").ToDictionary(kv => (string)kv.Key, kv => Assert.IsType<string>(kv.Value));

    [Fact]
    public void Has_postgres_schema_and_two_silos()
    {
        var services = Compose().Map("services").Keys.Cast<string>().ToList();
        Assert.Contains("postgres", services);
        Assert.Contains("schema", services);
        Assert.Contains("silo1", services);
        Assert.Contains("silo2", services);
    }

    [Fact]
    public void Postgres_has_a_healthcheck_and_a_volume()
    {
        var postgres = Service("postgres");
        Assert.StartsWith("postgres:15", postgres.Text("image"), StringComparison.Ordinal);
        Assert.Contains("pg_isready", string.Join(' ', postgres.Map("healthcheck").List("test").Cast<string>()), StringComparison.Ordinal);
        var volume = Assert.IsType<string>(Assert.Single(postgres.List("volumes")));
        Assert.EndsWith(":/var/lib/postgresql/data", volume, StringComparison.Ordinal);
        Assert.True(Compose().Map("volumes").ContainsKey(volume.Split(':')[0]), "the data volume is declared");
    }

    [Fact]
    public void Schema_service_runs_install_schema_after_postgres_is_healthy()
    {
        var schema = Service("schema");
        Assert.Equal("service_healthy", schema.Map("depends_on").Map("postgres").Text("condition"));
        var build = schema.Map("build");
        Assert.Equal("deploy/Dockerfile", build.Text("dockerfile"));
        Assert.Equal("..", build.Text("context"));
        var stage = DockerfileTests.Parse().Stages.Single(s => s.Name == build.Text("target"));
        Assert.Contains("install-schema.sh", stage.Instruction("ENTRYPOINT"), StringComparison.Ordinal);
        Assert.Contains("OmniActors__Storage__ConnectionString", Environment("schema").Keys);
        Assert.Equal("no", schema.Text("restart"));
    }

    [Theory]
    [InlineData("silo1")]
    [InlineData("silo2")]
    public void Silos_start_after_the_schema_completed_and_postgres_is_healthy(string silo)
    {
        var dependsOn = Service(silo).Map("depends_on");
        Assert.Equal("service_completed_successfully", dependsOn.Map("schema").Text("condition"));
        Assert.Equal("service_healthy", dependsOn.Map("postgres").Text("condition"));
        var build = Service(silo).Map("build");
        Assert.Equal("deploy/Dockerfile", build.Text("dockerfile"));
        Assert.False(build.ContainsKey("target"), "silos use the Dockerfile's last (runtime) stage");
    }

    [Theory]
    [InlineData("silo1")]
    [InlineData("silo2")]
    [InlineData("schema")]
    public void Every_environment_variable_is_a_real_setting(string service)
    {
        var problems = Environment(service).Select(kv => ConfigurationKeys.Problem(kv.Key, kv.Value)).OfType<string>().ToList();
        Assert.Empty(problems);
    }

    [Theory]
    [InlineData("silo1")]
    [InlineData("silo2")]
    public void Silos_run_in_cluster_mode_without_creating_the_schema(string silo)
    {
        var env = Environment(silo);
        Assert.Equal("PostgreSql", env["OmniActors__Storage__Provider"]);
        Assert.Equal("false", env["OmniActors__Storage__CreateSchema"]);
        Assert.Equal("http://+:8080", env["ASPNETCORE_URLS"]);
        Assert.Contains("Maximum Pool Size=20", env["OmniActors__Storage__ConnectionString"], StringComparison.Ordinal);
        Assert.Contains("Host=postgres;", env["OmniActors__Storage__ConnectionString"], StringComparison.Ordinal);
        Assert.Equal(Environment("schema")["OmniActors__Storage__ConnectionString"], env["OmniActors__Storage__ConnectionString"]);
        Assert.DoesNotContain("OmniActors__Cluster__AdvertisedIPAddress", env.Keys);
        Assert.Matches(@"^\$\{[A-Z_]+:-[^}]+\}$", env["OmniActors__Api__ApiKeys__0"]);
        Assert.True(int.Parse(env["ASPNETCORE_SHUTDOWNTIMEOUTSECONDS"], System.Globalization.CultureInfo.InvariantCulture) > 35,
            "host shutdown above DrainTimeout + CancellationGrace");
        var grace = Service(silo).Text("stop_grace_period");
        Assert.True(int.Parse(grace.TrimEnd('s'), System.Globalization.CultureInfo.InvariantCulture) > int.Parse(env["ASPNETCORE_SHUTDOWNTIMEOUTSECONDS"], System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Silos_publish_distinct_http_and_gateway_ports()
    {
        var published = new List<string>();
        foreach (var silo in Silos)
        {
            var ports = Service(silo).List("ports").Cast<string>().ToList();
            published.AddRange(ports.Select(p => p.Split(':')[0]));
            Assert.Contains(ports, p => p.EndsWith(":8080", StringComparison.Ordinal));
            var gateway = Environment(silo)["OmniActors__Cluster__GatewayPort"];
            Assert.Contains($"{gateway}:{gateway}", ports);
        }
        Assert.Contains("5081", published);
        Assert.Contains("5082", published);
        Assert.Equal(published.Count, published.Distinct().Count());
    }
}
