using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OmniActors.Silo.Hosting;

namespace OmniActors.Tests.Hosting;

/// <summary>Cluster settings are checked while the host is built: a bad one stops the start and names itself.</summary>
public sealed class ClusterOptionsTests
{
    [Theory]
    [InlineData("OmniActors:Cluster:DirectoryCacheSize", "0")]
    [InlineData("OmniActors:Cluster:DirectoryCacheSize", "99999999")]
    [InlineData("OmniActors:Cluster:MissedProbesLimit", "0")]
    [InlineData("OmniActors:Cluster:SiloPort", "70000")]
    [InlineData("OmniActors:Cluster:GatewayPort", "-1")]
    [InlineData("OmniActors:Cluster:ClusterId", "")]
    public void A_cluster_setting_out_of_range_stops_the_silo_at_start_naming_the_setting(string key, string value)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [key] = value });

        var error = Assert.Throws<OptionsValidationException>(() => builder.UseOmniActorsSilo());

        Assert.Contains(key[(key.LastIndexOf(':') + 1)..], error.Message, StringComparison.Ordinal);
        Assert.Equal(OmniClusterOptions.Section, error.OptionsName);
    }
}
