using System.Globalization;
using OmniActors.Deploy.Tests.Support;

namespace OmniActors.Deploy.Tests;

public class KubernetesTests
{
    private static List<(string File, Dictionary<object, object> Doc)> Manifests() =>
        Directory.GetFiles(RepoPaths.InDeploy("k8s"), "*.yaml")
            .Order(StringComparer.Ordinal)
            .SelectMany(f => Yaml.LoadDocuments(f).Select(d => (Path.GetFileName(f), d)))
            .ToList();

    private static Dictionary<object, object> Single(string kind) => Assert.Single(Manifests(), m => m.Doc.OptionalText("kind") == kind).Doc;

    private static Dictionary<object, object> PodSpec(Dictionary<object, object> workload) => workload.Map("spec").Map("template").Map("spec");

    private static Dictionary<object, object> SiloContainer() => Assert.Single(PodSpec(Single("Deployment")).List("containers").Maps());

    [Fact]
    public void Every_manifest_has_api_version_kind_and_name_and_no_namespace()
    {
        var manifests = Manifests();
        Assert.NotEmpty(manifests);
        foreach (var (file, doc) in manifests)
        {
            Assert.False(string.IsNullOrWhiteSpace(doc.Text("apiVersion")), file);
            Assert.False(string.IsNullOrWhiteSpace(doc.Text("kind")), file);
            var metadata = doc.Map("metadata");
            Assert.Matches("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", metadata.Text("name"));
            Assert.False(metadata.ContainsKey("namespace"), $"{file} sets a namespace");
        }
        var kinds = manifests.Select(m => m.Doc.Text("kind")).ToList();
        Assert.Equal(["ConfigMap", "Secret", "Job", "Deployment", "Service"], kinds.Intersect(["ConfigMap", "Secret", "Job", "Deployment", "Service"]));
    }

    [Fact]
    public void Deployment_runs_two_silos_with_config_secret_and_pod_ip()
    {
        var deployment = Single("Deployment");
        Assert.Equal("apps/v1", deployment.Text("apiVersion"));
        Assert.Equal("2", deployment.Map("spec").Text("replicas"));
        var container = SiloContainer();
        var envFrom = container.List("envFrom").Maps().ToList();
        Assert.Contains(envFrom, e => e.TryGetValue("configMapRef", out var r) && ((Dictionary<object, object>)r).Text("name") == Single("ConfigMap").Map("metadata").Text("name"));
        Assert.Contains(envFrom, e => e.TryGetValue("secretRef", out var r) && ((Dictionary<object, object>)r).Text("name") == Single("Secret").Map("metadata").Text("name"));
        var advertised = Assert.Single(container.List("env").Maps(), e => e.Text("name") == "OmniActors__Cluster__AdvertisedIPAddress");
        Assert.Equal("status.podIP", advertised.Map("valueFrom").Map("fieldRef").Text("fieldPath"));
        var resources = container.Map("resources");
        Assert.True(resources.Map("requests").ContainsKey("cpu") && resources.Map("requests").ContainsKey("memory"));
        Assert.True(resources.Map("limits").ContainsKey("memory"));
        Assert.Equal("true", PodSpec(deployment).Map("securityContext").Text("runAsNonRoot"));
    }

    [Theory]
    [InlineData("readinessProbe", "/health/ready")]
    [InlineData("livenessProbe", "/health/live")]
    public void Deployment_probes_the_health_endpoints_on_the_http_port(string probe, string path)
    {
        var container = SiloContainer();
        var get = container.Map(probe).Map("httpGet");
        Assert.Equal(path, get.Text("path"));
        Assert.Equal(8080, ContainerPort(container, get.Text("port")));
    }

    [Fact]
    public void Termination_grace_covers_the_drain_and_the_host_shutdown()
    {
        var config = Single("ConfigMap").Map("data");
        var drain = config.OptionalText("OmniActors__Runner__DrainTimeout") is { } d
            ? TimeSpan.Parse(d, CultureInfo.InvariantCulture)
            : new OmniActors.Running.RunnerOptions().DrainTimeout;
        var hostShutdown = int.Parse(config.Text("ASPNETCORE_SHUTDOWNTIMEOUTSECONDS"), CultureInfo.InvariantCulture);
        var cancellationGrace = new OmniActors.Running.RunnerOptions().CancellationGrace;
        Assert.True(hostShutdown > (drain + cancellationGrace).TotalSeconds, "the host must not cut the drain short");

        var grace = int.Parse(PodSpec(Single("Deployment")).Text("terminationGracePeriodSeconds"), CultureInfo.InvariantCulture);
        var preStop = SiloContainer().Map("lifecycle").Map("preStop").Map("exec").List("command").Cast<string>().ToList();
        var preStopSeconds = preStop[0] == "sleep" ? int.Parse(preStop[1], CultureInfo.InvariantCulture) : 0;
        Assert.True(grace > drain.TotalSeconds, $"terminationGracePeriodSeconds {grace} must exceed DrainTimeout {drain}");
        Assert.True(grace > preStopSeconds + hostShutdown, "preStop + host shutdown must fit in the grace period");
    }

    [Fact]
    public void Service_targets_the_silo_pods_on_http_and_gateway()
    {
        var service = Single("Service");
        var podLabels = Single("Deployment").Map("spec").Map("template").Map("metadata").Map("labels");
        var selector = service.Map("spec").Map("selector");
        Assert.NotEmpty(selector);
        foreach (var (key, value) in selector)
        {
            Assert.Equal(value, podLabels.GetValueOrDefault(key));
        }
        var deploymentSelector = Single("Deployment").Map("spec").Map("selector").Map("matchLabels");
        Assert.All(deploymentSelector, kv => Assert.Equal(kv.Value, podLabels.GetValueOrDefault(kv.Key)));

        var ports = service.Map("spec").List("ports").Maps().ToList();
        var http = Assert.Single(ports, p => p.Text("port") == "80");
        Assert.Equal(8080, ContainerPort(SiloContainer(), http.Text("targetPort")));
        var gateway = Assert.Single(ports, p => p.Text("port") == "30000");
        Assert.Equal(30000, ContainerPort(SiloContainer(), gateway.Text("targetPort")));
    }

    [Fact]
    public void Schema_job_runs_install_schema_with_the_secret_connection_string()
    {
        var job = Single("Job");
        Assert.Equal("batch/v1", job.Text("apiVersion"));
        var spec = PodSpec(job);
        Assert.Contains(spec.Text("restartPolicy"), new[] { "Never", "OnFailure" });
        var container = Assert.Single(spec.List("containers").Maps());
        var command = container.List("command").Cast<string>().Concat(container.OptionalList("args")).ToList();
        Assert.Contains(command, c => c.EndsWith("install-schema.sh", StringComparison.Ordinal));
        var secretName = Single("Secret").Map("metadata").Text("name");
        var env = Assert.Single(container.List("env").Maps(), e => e.Text("name") == "OmniActors__Storage__ConnectionString");
        var secretRef = env.Map("valueFrom").Map("secretKeyRef");
        Assert.Equal(secretName, secretRef.Text("name"));
        Assert.True(Single("Secret").Map("stringData").ContainsKey(secretRef.Text("key")));
    }

    [Fact]
    public void Secret_holds_placeholders_and_config_holds_no_secrets()
    {
        var secret = Single("Secret").Map("stringData");
        Assert.Contains("OmniActors__Storage__ConnectionString", secret.Keys);
        Assert.Contains("OmniActors__Api__ApiKeys__0", secret.Keys);
        Assert.All(secret.Values.Cast<string>(), v => Assert.Contains("CHANGE-ME", v, StringComparison.Ordinal));
        var config = Single("ConfigMap").Map("data");
        Assert.DoesNotContain(config.Keys.Cast<string>(), k => k.Contains("ConnectionString", StringComparison.Ordinal) || k.Contains("ApiKeys", StringComparison.Ordinal));
        Assert.Equal("http://+:8080", config.Text("ASPNETCORE_URLS"));
        Assert.Equal("PostgreSql", config.Text("OmniActors__Storage__Provider"));
        Assert.Equal("false", config.Text("OmniActors__Storage__CreateSchema"));
    }

    [Fact]
    public void Every_environment_variable_is_a_real_setting()
    {
        var settings = new List<(string Name, string? Value)>();
        settings.AddRange(Single("ConfigMap").Map("data").Select(kv => ((string)kv.Key, (string?)kv.Value)));
        settings.AddRange(Single("Secret").Map("stringData").Select(kv => ((string)kv.Key, (string?)kv.Value)));
        foreach (var workload in new[] { Single("Deployment"), Single("Job") })
        {
            foreach (var container in PodSpec(workload).List("containers").Maps())
            {
                settings.AddRange(container.OptionalMaps("env").Select(e => (e.Text("name"), e.OptionalText("value"))));
            }
        }
        Assert.NotEmpty(settings);
        Assert.Empty(settings.Select(s => ConfigurationKeys.Problem(s.Name, s.Value)).OfType<string>());
    }

    /// <summary>A probe's or Service's port (a number or a container port name) as the container port number.</summary>
    private static int ContainerPort(Dictionary<object, object> container, string port)
    {
        if (int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            Assert.Contains(container.List("ports").Maps(), p => p.Text("containerPort") == port);
            return number;
        }
        var named = Assert.Single(container.List("ports").Maps(), p => p.OptionalText("name") == port);
        return int.Parse(named.Text("containerPort"), CultureInfo.InvariantCulture);
    }
}

internal static class KubernetesYamlExtensions
{
    public static IEnumerable<string> OptionalList(this Dictionary<object, object> map, string key) =>
        map.TryGetValue(key, out var value) && value is List<object> list ? list.Cast<string>() : [];

    public static IEnumerable<Dictionary<object, object>> OptionalMaps(this Dictionary<object, object> map, string key) =>
        map.TryGetValue(key, out var value) && value is List<object> list ? list.Maps() : [];
}
