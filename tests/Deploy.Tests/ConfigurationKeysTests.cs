using OmniActors.Deploy.Tests.Support;

namespace OmniActors.Deploy.Tests;

/// <summary>The checker the compose and k8s tests rely on tells real settings from typos.</summary>
public class ConfigurationKeysTests
{
    [Fact]
    public void Knows_every_options_section()
    {
        Assert.Superset(
            new HashSet<string>(["OmniActors:Storage", "OmniActors:Cluster", "OmniActors:Api", "OmniActors:Runner", "OmniActors:Tasks", "OmniActors:Queues", "OmniActors:Dashboard"], StringComparer.OrdinalIgnoreCase),
            new HashSet<string>(ConfigurationKeys.Sections.Keys, StringComparer.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData("OmniActors__Storage__ConnectionString", "Host=x")]
    [InlineData("OmniActors__Storage__CreateSchema", "false")]
    [InlineData("OmniActors__Cluster__AdvertisedIPAddress", null)]
    [InlineData("OmniActors__Cluster__SiloPort", "${SILO_PORT:-11111}")]
    [InlineData("OmniActors__Api__ApiKeys__0", "${OMNI_API_KEY:-local-dev-key}")]
    [InlineData("OmniActors__Runner__DrainTimeout", "00:00:30")]
    [InlineData("OmniActors__Queues__Items__emails__Concurrency", "8")]
    [InlineData("ASPNETCORE_URLS", "http://+:8080")]
    [InlineData("ASPNETCORE_SHUTDOWNTIMEOUTSECONDS", "50")]
    public void Accepts_real_settings(string name, string? value) => Assert.Null(ConfigurationKeys.Problem(name, value));

    [Theory]
    [InlineData("OmniActors__Storage__ConnectionStrings", "Host=x")]
    [InlineData("OmniActors__Storage__CreateSchema", "nope")]
    [InlineData("OmniActors__Cluster__SiloPort", "eleven")]
    [InlineData("OmniActors__Clustering__ClusterId", "x")]
    [InlineData("OmniActors__Api__ApiKeys", "k")]
    [InlineData("OmniActors__Api__ApiKeys__first", "k")]
    [InlineData("OmniActors__Runner__DrainTimeout", "30s")]
    [InlineData("OmniActors__Storage__IsPostgres", "true")]
    [InlineData("OmniActors_Storage_Provider", "Sqlite")]
    [InlineData("ASPNETCORE_SHUTDOWNTIMEOUTSECONDS", "fifty")]
    [InlineData("ASPNETCORE_SOMETHING", "x")]
    [InlineData("Storage__Provider", "Sqlite")]
    public void Rejects_typos_and_bad_values(string name, string? value) => Assert.NotNull(ConfigurationKeys.Problem(name, value));
}
