using System.Diagnostics;
using OmniActors.Tests.Support;
using Xunit.Abstractions;

namespace OmniActors.Tests.Cluster;

/// <summary>
/// A third silo started while two silos work through a steady load joins the cluster (Active in the membership
/// table) and takes a share of the work: task grains activate on any silo, and the silo holding a task runs it.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ScaleOutTests(PrivatePostgres postgres, ITestOutputHelper output) : IClassFixture<PrivatePostgres>, IAsyncLifetime
{
    private const int MinTasks = 3_000;
    private const int MaxTasks = 8_000;
    private const int BatchSize = 100;
    private const int Backlog = 300;
    private const int HoldMs = 30;
    private const int StartThirdAfterAnswered = 300;
    private const int ThirdMustRun = 20;

    private ClusterDatabase _database = null!;
    private SiloScenario _scenario = null!;

    public async Task InitializeAsync()
    {
        _database = await postgres.CreateDatabaseAsync("scaleout");
        _scenario = await SiloScenario.StartAsync(output, _database.SiloSettings(new Dictionary<string, string>
        {
            ["OmniActors:Runner:LeaseDuration"] = "00:00:05",
            // Few slots, so the load lasts while the third silo starts.
            ["OmniActors:Queues:DefaultConcurrency"] = "16",
        }));
        _scenario.OnFailureAlsoWrite(() => postgres.LogTail());
    }

    public async Task DisposeAsync() => await _scenario.DisposeAsync();

    [Fact]
    public Task A_third_silo_started_under_load_joins_and_takes_work() => _scenario.RunAsync(async () =>
    {
        var downstream = _scenario.Downstream;
        var started = await Task.WhenAll(_scenario.StartSiloAsync(), _scenario.StartSiloAsync());
        var (a, b) = (started[0], started[1]);
        await _database.WaitUntilActiveAsync([a.SiloPort, b.SiloPort], TimeSpan.FromSeconds(60));

        // Steady load: the producer keeps about Backlog tasks ahead of the downstream service, alternating silos,
        // until it has produced MinTasks and the third silo has run its share (new tasks are what can land on it).
        SiloProcess? third = null;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(150));
        var producing = ProduceAsync([a, b], () => Volatile.Read(ref third) is { } joined && downstream.ExecutionsFrom(joined.SiloPort) >= ThirdMustRun, stop.Token);

        await downstream.WaitUntilAsync(d => d.DistinctAnswered >= StartThirdAfterAnswered, TimeSpan.FromSeconds(60), $"{StartThirdAfterAnswered} tasks answered");
        var startingAt = Stopwatch.GetTimestamp();
        var answeredAtStart = downstream.DistinctAnswered;
        var c = await _scenario.StartSiloAsync();
        Volatile.Write(ref third, c);
        var readyAfter = Stopwatch.GetElapsedTime(startingAt);
        await _database.WaitUntilActiveAsync([a.SiloPort, b.SiloPort, c.SiloPort], TimeSpan.FromSeconds(60));
        var activeAfter = Stopwatch.GetElapsedTime(startingAt);
        await downstream.WaitUntilAsync(d => d.ExecutionsFrom(c.SiloPort) > 0, TimeSpan.FromSeconds(60), "a request from the third silo");
        var firstWorkAfter = Stopwatch.GetElapsedTime(startingAt);
        await downstream.WaitUntilAsync(d => d.ExecutionsFrom(c.SiloPort) >= ThirdMustRun, TimeSpan.FromSeconds(60), $"{ThirdMustRun} requests from the third silo");

        var ids = await producing;
        await _database.WaitUntilAsync(async db => await db.CountAsync("SELECT count(*) FROM omni_tasks WHERE status = 'succeeded'") >= ids.Count,
            TimeSpan.FromSeconds(120), $"all {ids.Count} tasks succeeded");
        var rows = await _database.TasksAsync();
        Assert.Equal(ids.Count, rows.Count);
        Assert.All(ids, id => Assert.Equal("succeeded", rows[id].Status));
        var executions = downstream.Executions.ToDictionary(StringComparer.Ordinal);
        Assert.All(ids, id => Assert.True(executions.ContainsKey(id), $"Task {id} succeeded but the downstream service never saw it."));
        Assert.False(a.HasExited || b.HasExited || c.HasExited, "A silo exited during the run.");

        _scenario.Report($"Third silo started after {answeredAtStart} tasks answered: ready in {readyAfter.TotalSeconds:F1} s, Active in the membership table after {activeAfter.TotalSeconds:F1} s, first task run {firstWorkAfter.TotalSeconds:F1} s after its start.");
        _scenario.Report($"Tasks {ids.Count}, all succeeded; executions per silo: A {downstream.ExecutionsFrom(a.SiloPort)}, B {downstream.ExecutionsFrom(b.SiloPort)}, C {downstream.ExecutionsFrom(c.SiloPort)}; duplicates {executions.Values.Sum() - executions.Count}.");
    });

    private async Task<IReadOnlyList<string>> ProduceAsync(IReadOnlyList<SiloProcess> through, Func<bool> thirdTookWork, CancellationToken cancellationToken)
    {
        var downstream = _scenario.Downstream;
        var ids = new List<string>();
        for (var batch = 0; ids.Count < MinTasks || (!thirdTookWork() && ids.Count < MaxTasks); batch++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var produced = ids.Count;
            await downstream.WaitUntilAsync(d => d.DistinctAnswered >= produced - Backlog, TimeSpan.FromSeconds(60), $"the backlog under {Backlog} tasks");
            var specs = Enumerable.Range(produced, BatchSize).Select(i => _scenario.HttpTask($"scale-{i:D5}", HoldMs)).ToList();
            ids.AddRange(await through[batch % through.Count].EnqueueAsync(specs, BatchSize));
        }
        return ids;
    }
}
