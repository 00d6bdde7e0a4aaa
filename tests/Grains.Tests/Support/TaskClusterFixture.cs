using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OmniActors.Actions;
using OmniActors.Client;
using OmniActors.Hosting;
using OmniActors.Tests.Storage;
using Orleans.TestingHost;

namespace OmniActors.Tests.Support;

/// <summary>
/// One in-process silo composed exactly like the real one (<c>AddOmniActors</c>) on a SQLite file in a temp
/// folder, with the test actions registered and short leases. Shared by the grain tests through a collection.
/// Queues used by tests: <c>serial</c> (concurrency 1), <c>limited</c> (concurrency 3 over 2 partitions),
/// anything else gets the defaults (concurrency 16, 4 partitions).
/// </summary>
public sealed class TaskClusterFixture : IAsyncLifetime, IDisposable
{
    private readonly TempSqliteFile _file = new();
    private InProcessTestCluster? _cluster;

    public static readonly Probe Probe = new();

    public TempSqliteFile Database => _file;

    public InProcessTestCluster Cluster => _cluster ?? throw new InvalidOperationException("Not deployed.");

    public IClusterClient Client => Cluster.Client;

    /// <summary>The typed client the apps use, over the test cluster's client.</summary>
    public IOmniClient Omni => new OmniClient(Client);

    public static IReadOnlyDictionary<string, string?> Settings(string databasePath) => new Dictionary<string, string?>
    {
        ["OmniActors:Storage:SqlitePath"] = databasePath,
        ["OmniActors:Storage:SqliteSynchronousFull"] = "false",
        ["OmniActors:Runner:LeaseDuration"] = "00:00:03",
        ["OmniActors:Runner:CancellationGrace"] = "00:00:01",
        ["OmniActors:Runner:DrainTimeout"] = "00:00:02",
        ["OmniActors:Tasks:DefaultRetryInitialDelay"] = "00:00:00.050",
        ["OmniActors:Tasks:DefaultRetryMaxDelay"] = "00:00:00.200",
        ["OmniActors:Tasks:ResultSweepInterval"] = "00:00:01",
        ["OmniActors:Queues:DefaultConcurrency"] = "16",
        ["OmniActors:Queues:DefaultPartitions"] = "4",
        ["OmniActors:Queues:Items:serial:Concurrency"] = "1",
        ["OmniActors:Queues:Items:limited:Concurrency"] = "3",
        ["OmniActors:Queues:Items:limited:Partitions"] = "2",
    };

    public static void AddTestActions(IServiceCollection services)
    {
        services.AddSingleton(Probe);
        services.AddAction<RecordAction>("test-record");
        services.AddAction<BlockAction>("test-block");
        services.AddAction<FailAction>("test-fail");
        services.AddAction<FlakyAction>("test-flaky");
        services.AddAction<StubbornAction>("test-ignore-cancel", timeout: TimeSpan.FromSeconds(1));
    }

    public async Task InitializeAsync()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(Settings(_file.Path)).Build();
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddOmniActors(configuration);
            AddTestActions(silo.Services);
        });
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    public void Dispose() => _file.Dispose();
}

[CollectionDefinition(Name)]
public sealed class TaskClusterCollection : ICollectionFixture<TaskClusterFixture>
{
    public const string Name = "task cluster";
}

/// <summary>Waiting on a condition with a deadline (never a bare sleep).</summary>
public static class Eventually
{
    public static async Task<T> Until<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan? timeout = null, string? what = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var value = await probe();
            if (done(value))
            {
                return value;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Condition not met in time: {what ?? "(unnamed)"}; last value: {value}");
            }
            await Task.Delay(25);
        }
    }

    public static Task True(Func<bool> condition, TimeSpan? timeout = null, string? what = null) =>
        Until(() => Task.FromResult(condition()), ok => ok, timeout, what);
}
