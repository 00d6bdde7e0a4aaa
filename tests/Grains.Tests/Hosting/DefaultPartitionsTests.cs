using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OmniActors.Queues;
using OmniActors.Silo.Hosting;

namespace OmniActors.Tests.Hosting;

/// <summary>A queue's partition count and its shares claimed ahead follow the storage unless they are set: one partition
/// and two shares on the embedded SQLite file (a lone silo, one writer), four partitions and one share on PostgreSQL (a
/// cluster spreading a queue's dispatch over its silos).</summary>
public sealed class DefaultPartitionsTests
{
    [Theory]
    [InlineData(null, null, null, 1)]
    [InlineData("PostgreSql", null, null, 4)]
    [InlineData(null, "3", null, 3)]
    [InlineData("PostgreSql", "2", null, 2)]
    [InlineData(null, null, "5", 5)]
    [InlineData("PostgreSql", "2", "6", 6)]
    public void A_queue_has_one_partition_on_sqlite_and_four_on_postgresql_unless_configured(
        string? provider, string? defaultPartitions, string? queuePartitions, int expected)
    {
        using var host = BuildSilo(provider, new()
        {
            ["OmniActors:Queues:DefaultPartitions"] = defaultPartitions,
            ["OmniActors:Queues:Items:emails:Partitions"] = queuePartitions,
        });

        var topology = host.Services.GetRequiredService<QueueTopology>();

        Assert.Equal(expected, topology.PartitionsOf("emails"));
        Assert.Equal(64, Enumerable.Range(0, expected).Sum(i => topology.ShareOf("emails", i)));
    }

    [Theory]
    [InlineData(null, null, 2)]
    [InlineData("PostgreSql", null, 1)]
    [InlineData(null, "0", 0)]
    [InlineData("PostgreSql", "3", 3)]
    public void Claims_ahead_are_two_shares_on_sqlite_and_one_on_postgresql_unless_configured(string? provider, string? shares, int expected)
    {
        using var host = BuildSilo(provider, new() { ["OmniActors:Queues:ClaimAheadShares"] = shares });

        Assert.Equal(expected, host.Services.GetRequiredService<IOptions<QueueOptions>>().Value.ClaimAheadShares);
    }

    /// <summary>A silo host (not started) on SQLite, or on the storage <paramref name="provider"/> names, with <paramref name="settings"/>.</summary>
    private static IHost BuildSilo(string? provider, Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder();
        if (provider is not null)
        {
            settings["OmniActors:Storage:Provider"] = provider;
            settings["OmniActors:Storage:ConnectionString"] = "Host=127.0.0.1;Username=omni;Password=omni;Database=omni";
        }
        builder.Configuration.AddInMemoryCollection(settings);
        builder.UseOmniActorsSilo();
        return builder.Build();
    }
}
