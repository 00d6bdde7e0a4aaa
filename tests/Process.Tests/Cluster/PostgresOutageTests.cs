using System.Diagnostics;
using System.Net;
using OmniActors.Tests.Support;
using Xunit.Abstractions;

namespace OmniActors.Tests.Cluster;

/// <summary>
/// The cluster's PostgreSQL server stops for ten seconds while two silos work. Meanwhile enqueues must fail with a
/// server-error problem (503 storage_unavailable), never a success for a task that was not stored; the silos must
/// stay up, report not-ready, and once the database is back, become ready again and finish every accepted task.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class PostgresOutageTests(PrivatePostgres postgres, ITestOutputHelper output) : IClassFixture<PrivatePostgres>, IAsyncLifetime
{
    private const int PreloadCount = 2_000;
    private const int HoldMs = 50;
    private const int OutageAfterAnswered = 200;
    private const int AfterOutageCount = 200;
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan PostTimeout = TimeSpan.FromSeconds(30);

    private ClusterDatabase _database = null!;
    private SiloScenario _scenario = null!;

    public async Task InitializeAsync()
    {
        _database = await postgres.CreateDatabaseAsync("outage");
        _scenario = await SiloScenario.StartAsync(output, _database.SiloSettings(new Dictionary<string, string>
        {
            ["OmniActors:Runner:LeaseDuration"] = "00:00:05",
            ["OmniActors:Queues:DefaultConcurrency"] = "16",
        }));
        _scenario.OnFailureAlsoWrite(() => postgres.LogTail());
    }

    public async Task DisposeAsync()
    {
        await _scenario.DisposeAsync();
        if (!postgres.IsRunning)
        {
            // A failed test may leave the server stopped; the class's next test needs it.
            await postgres.StartAsync();
        }
    }

    [Fact]
    public Task PostgreSQL_outage_loses_nothing_and_enqueues_fail_clearly() => _scenario.RunAsync(async () =>
    {
        var downstream = _scenario.Downstream;
        var started = await Task.WhenAll(_scenario.StartSiloAsync(), _scenario.StartSiloAsync());
        var silos = started.ToList();
        await _database.WaitUntilActiveAsync(silos.Select(s => s.SiloPort).ToList(), TimeSpan.FromSeconds(60));

        var preload = Enumerable.Range(0, PreloadCount).Select(i => _scenario.HttpTask($"outage-load-{i:D4}", HoldMs)).ToList();
        var accepted = new HashSet<string>((await silos[0].EnqueueAsync(preload, batchSize: 500)), StringComparer.Ordinal);
        await downstream.WaitUntilAsync(d => d.DistinctAnswered >= OutageAfterAnswered, TimeSpan.FromSeconds(60), $"{OutageAfterAnswered} tasks answered");
        var answeredBeforeOutage = downstream.DistinctAnswered;
        Assert.True(answeredBeforeOutage < PreloadCount, "The load ended before the outage: nothing was tested.");

        // The outage: enqueue through both silos, one request after another, for as long as the database is down.
        await postgres.StopAsync("fast");
        var outage = Stopwatch.StartNew();
        var answers = new List<(PostAnswer Answer, string Key)>();
        var health = new List<string>();
        for (var n = 0; outage.Elapsed < Outage; n++)
        {
            var key = $"outage-post-{n:D4}";
            answers.Add((await silos[n % silos.Count].PostTaskAsync(_scenario.HttpTask(key, HoldMs), PostTimeout), key));
            if (n % 20 == 0)
            {
                var silo = silos[n / 20 % silos.Count];
                health.Add($"live {Show(await silo.ProbeAsync("/health/live"))} ready {Show(await silo.ProbeAsync("/health/ready"))}");
            }
        }
        var downFor = outage.Elapsed;
        var restartAt = Stopwatch.GetTimestamp();
        await postgres.StartAsync();

        // Both silos survived the outage and come back to ready.
        foreach (var silo in silos)
        {
            Assert.False(silo.HasExited, $"Silo on port {silo.SiloPort} exited during the outage.\n{silo.LogTail()}");
            Assert.Equal(HttpStatusCode.OK, await silo.ProbeAsync("/health/live"));
        }
        await Task.WhenAll(silos.Select(s => s.WaitUntilReadyAsync(TimeSpan.FromSeconds(60))));
        var readyAfter = Stopwatch.GetElapsedTime(restartAt);

        // Enqueueing works again.
        var after = Enumerable.Range(0, AfterOutageCount).Select(i => _scenario.HttpTask($"outage-after-{i:D4}", HoldMs)).ToList();
        accepted.UnionWith(await silos[1].EnqueueAsync(after, batchSize: 100));

        var acceptedDuringOutage = answers.Where(x => x.Answer.Accepted).ToList();
        foreach (var (answer, _) in acceptedDuringOutage)
        {
            Assert.NotNull(answer.TaskId);
            accepted.Add(answer.TaskId);
        }
        await _database.WaitUntilAsync(async db =>
        {
            var rows = await db.TasksAsync();
            return accepted.All(id => rows.TryGetValue(id, out var row) && row.Status is "succeeded" or "dead_lettered" or "cancelled");
        }, TimeSpan.FromSeconds(150), $"all {accepted.Count} accepted tasks ended");
        var drainedAfter = Stopwatch.GetElapsedTime(restartAt);

        var tasks = await _database.TasksAsync();
        // Never a 2xx for a task that was not stored: every accepted id is a row, and it succeeded.
        Assert.All(accepted, id => Assert.True(tasks.TryGetValue(id, out var row) && row.Status == "succeeded",
            $"Accepted task {id} is {(tasks.TryGetValue(id, out var r) ? r.Status : "missing from omni_tasks")}."));
        var executions = downstream.Executions;
        Assert.All(accepted, id => Assert.True(executions.ContainsKey(id), $"Task {id} succeeded but the downstream service never saw it."));
        // Every refusal is a server error told as a problem, so a client knows to retry.
        var refused = answers.Where(x => !x.Answer.Accepted).ToList();
        Assert.All(refused, x => Assert.True(x.Answer.Status >= 500 && x.Answer.ContentType == "application/problem+json",
            $"POST /api/tasks during the outage answered {x.Answer} for {x.Key}; expected a 5xx application/problem+json."));
        Assert.NotEmpty(refused);
        Assert.False(silos.Any(s => s.HasExited), "A silo exited after the outage.");

        var duplicates = executions.Values.Sum() - executions.Count;
        // An idempotency key names its task id, so a refused enqueue can be looked up: a commit whose answer was lost is stored anyway.
        var refusedButStored = refused.Select(x => IdOf(x.Key)).Where(tasks.ContainsKey).ToList();
        _scenario.Report($"PostgreSQL down {downFor.TotalSeconds:F1} s after {answeredBeforeOutage} of {PreloadCount} preloaded tasks answered.");
        _scenario.Report($"POST /api/tasks during the outage: {answers.Count} requests: {string.Join(", ", answers.GroupBy(x => x.Answer.ToString()).Select(g => $"{g.Count()} x {g.Key}"))}.");
        _scenario.Report($"Health during the outage: {string.Join(", ", health.GroupBy(h => h).Select(g => $"{g.Count()} x {g.Key}"))}.");
        _scenario.Report($"After restart: both silos ready in {readyAfter.TotalSeconds:F1} s; all {accepted.Count} accepted tasks succeeded {drainedAfter.TotalSeconds:F1} s after the restart.");
        _scenario.Report($"Executions {executions.Values.Sum()}, duplicates {duplicates}; attempts > 1 on {tasks.Values.Count(t => t.Attempt > 1)} tasks; {refusedButStored.Count} refused enqueues were stored anyway ({refusedButStored.Count(id => tasks[id].Status == "succeeded")} of them succeeded).");
    });

    /// <summary>The task id the silo derives from an idempotency key (<c>TaskIds.FromIdempotencyKey</c>).</summary>
    private static string IdOf(string idempotencyKey) =>
        "k" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(idempotencyKey)).AsSpan(0, 16));

    private static string Show(HttpStatusCode? status) => status is { } s ? ((int)s).ToString(System.Globalization.CultureInfo.InvariantCulture) : "none";
}
