using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OmniActors.Tests.Support;
using Orleans.Configuration;

namespace OmniActors.Tests.Http;

/// <summary>The factory's settings reach Program's builder, which reads them before the host is built.</summary>
[Collection(SiloApiCollection.Name)]
public sealed class HostingTests(SiloApiFactory factory)
{
    [Fact]
    public void The_silo_listens_on_the_ports_the_test_chose()
    {
        var endpoints = factory.Services.GetRequiredService<IOptions<EndpointOptions>>().Value;
        Assert.Equal(factory.SiloPort, endpoints.SiloPort);
        Assert.Equal(factory.GatewayPort, endpoints.GatewayPort);
    }

    [Fact]
    public void The_grain_directory_cache_is_sized_by_the_cluster_options_not_by_orleans_million()
    {
        // Orleans walks the whole table of this cache once a second for the dashboard's metrics (OmniClusterOptions).
        var directory = factory.Services.GetRequiredService<IOptions<GrainDirectoryOptions>>().Value;
        Assert.Equal(new Silo.Hosting.OmniClusterOptions().DirectoryCacheSize, directory.CacheSize);
        Assert.Equal(100_000, directory.CacheSize);
    }

    [Fact]
    public async Task The_silo_stores_tasks_in_the_test_database()
    {
        using var client = factory.CreateApiClient();
        var task = await client.EnqueueAsync(new { action = "echo", queue = Api.UniqueQueue("db"), delaySeconds = 3600 });
        var rows = await factory.Database.ScalarAsync("SELECT COUNT(*) FROM omni_tasks WHERE id = @id", ("@id", task.Id()));
        Assert.Equal(1L, rows);
    }
}
