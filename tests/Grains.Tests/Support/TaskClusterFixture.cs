using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OmniActors.Actions;
using OmniActors.Client;
using OmniActors.Hosting;
using OmniActors.Tests.Storage;
using Orleans.TestingHost;

namespace OmniActors.Tests.Support;

/// <summary>The database behind a test cluster, for checking rows directly (SQL with <c>@name</c> parameters).</summary>
public interface ITestDatabase
{
    /// <summary>First column of the first row, or null.</summary>
    Task<object?> ScalarAsync(string sql, params (string Name, object Value)[] parameters);

    /// <summary>Rows changed.</summary>
    Task<int> ExecuteAsync(string sql, params (string Name, object Value)[] parameters);

    /// <summary>Every row, as an array of column values.</summary>
    Task<IReadOnlyList<object?[]>> RowsAsync(string sql, params (string Name, object Value)[] parameters);
}

/// <summary>
/// One in-process silo composed exactly like the real one (<c>AddOmniActors</c>), with the test actions registered
/// and short leases. The behavioural suite runs once per storage provider: <see cref="SqliteTaskCluster"/> and
/// <see cref="PostgresTaskCluster"/>. Queues used by tests: <c>serial</c> (concurrency 1), <c>limited</c>
/// (concurrency 3 over 2 partitions); anything else gets the defaults (concurrency 16, 4 partitions).
/// </summary>
public abstract class TaskClusterFixture(TempDatabase database) : IAsyncLifetime
{
    private InProcessTestCluster? _cluster;

    /// <summary>What this cluster's handlers saw.</summary>
    public Probe Probe { get; } = new();

    /// <summary>The database behind the silo (made ready at start, deleted once the silo stopped).</summary>
    public ITestDatabase Database => database;

    public InProcessTestCluster Cluster => _cluster ?? throw new InvalidOperationException("Not deployed.");

    public IClusterClient Client => Cluster.Client;

    /// <summary>The typed client the apps use, over the test cluster's client.</summary>
    public IOmniClient Omni => new OmniClient(Client);

    /// <summary>Settings every test silo gets, storage aside.</summary>
    public static IReadOnlyDictionary<string, string?> CommonSettings { get; } = new Dictionary<string, string?>
    {
        ["OmniActors:Runner:LeaseDuration"] = "00:00:03",
        ["OmniActors:Runner:CancellationGrace"] = "00:00:01",
        ["OmniActors:Runner:DrainTimeout"] = "00:00:02",
        ["OmniActors:Tasks:DefaultRetryInitialDelay"] = "00:00:00.050",
        ["OmniActors:Tasks:DefaultRetryMaxDelay"] = "00:00:00.200",
        ["OmniActors:Tasks:ResultSweepInterval"] = "00:00:01",
        ["OmniActors:Tasks:DependencySweepInterval"] = "00:00:01",
        ["OmniActors:Tasks:RetentionBatchSize"] = "2",
        ["OmniActors:Tasks:RetentionBatchPause"] = "00:00:00.010",
        ["OmniActors:Breakers:Actions:test-breaker:FailureThreshold"] = "2",
        ["OmniActors:Breakers:Actions:test-breaker:CoolDown"] = "00:00:02",
        ["OmniActors:Breakers:Actions:test-breaker:HalfOpenRetry"] = "00:00:00.100",
        ["OmniActors:Queues:DefaultConcurrency"] = "16",
        ["OmniActors:Queues:DefaultPartitions"] = "4",
        // Small, so the suite runs claims whose rows are read (and read ahead), not only rows a partition held from the enqueue.
        ["OmniActors:Queues:WarmBacklog"] = "16",
        ["OmniActors:Queues:WarmRowBytes"] = "16384",
        ["OmniActors:Queues:Items:serial:Concurrency"] = "1",
        ["OmniActors:Queues:Items:limited:Concurrency"] = "3",
        ["OmniActors:Queues:Items:limited:Partitions"] = "2",
        ["OmniActors:Queues:Items:ahead:Concurrency"] = "2",
        ["OmniActors:Queues:Items:ahead:Partitions"] = "1",
        // Every queue whose attempts average under a second claims a round ahead: the whole suite runs that path, on a
        // machine as slow as CI, not only the benches' noop tasks (the default is 20 ms).
        ["OmniActors:Queues:ClaimAheadBelow"] = "00:00:01",
    };

    public static void AddTestActions(IServiceCollection services, Probe probe)
    {
        services.AddSingleton(probe);
        services.AddAction<RecordAction>("test-record");
        services.AddAction<BlockAction>("test-block");
        services.AddAction<FailAction>("test-fail");
        services.AddAction<FlakyAction>("test-flaky");
        services.AddAction<StubbornAction>("test-ignore-cancel", timeout: TimeSpan.FromSeconds(1));
        services.AddAction<DependenciesAction>("test-dependencies");
        services.AddAction<BreakerAction>("test-breaker");
        services.AddAction<Tasks.GreetAction>("test-greet");
    }

    public async Task InitializeAsync() =>
        _cluster = await DeployAsync(CommonSettings.Concat(await TestStorage.PrepareAsync(database)), Probe);

    /// <summary>Deploys one silo composed like the real one with <paramref name="settings"/> (later keys win) and the test actions.</summary>
    public static async Task<InProcessTestCluster> DeployAsync(IEnumerable<KeyValuePair<string, string?>> settings, Probe probe)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddOmniActors(configuration);
            AddTestActions(silo.Services, probe);
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
        await database.DisposeAsync();
    }
}

/// <summary>The suite on the embedded SQLite file (temp folder).</summary>
public sealed class SqliteTaskCluster() : TaskClusterFixture(new TempSqliteFile());

/// <summary>The suite on PostgreSQL (a throwaway database on the server named by OMNI_TEST_POSTGRES).</summary>
public sealed class PostgresTaskCluster() : TaskClusterFixture(new TempPostgresDatabase());

[CollectionDefinition(Name)]
public sealed class SqliteClusterCollection : ICollectionFixture<SqliteTaskCluster>
{
    public const string Name = "task cluster on sqlite";
}

[CollectionDefinition(Name)]
public sealed class PostgresClusterCollection : ICollectionFixture<PostgresTaskCluster>
{
    public const string Name = "task cluster on postgresql";
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
