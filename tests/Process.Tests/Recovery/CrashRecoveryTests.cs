using System.Diagnostics;
using OmniActors.Tests.Support;
using Xunit.Abstractions;

namespace OmniActors.Tests.Recovery;

/// <summary>
/// The real silo process killed with SIGKILL in the middle of a run, then started again on the same SQLite file:
/// nothing may be lost; at-least-once re-runs are allowed but counted, and must come from the crash window only.
/// </summary>
public sealed class CrashRecoveryTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int TaskCount = 2_000;
    private const int KillAfterStarted = 500;
    private const int HoldMs = 40;

    private SiloScenario _scenario = null!;

    public async Task InitializeAsync() => _scenario = await SiloScenario.StartAsync(output, new Dictionary<string, string>
    {
        ["OmniActors:Runner:LeaseDuration"] = "00:00:05",
        ["OmniActors:Queues:DefaultConcurrency"] = "32",
    });

    public async Task DisposeAsync() => await _scenario.DisposeAsync();

    [Fact]
    public Task Every_task_succeeds_after_the_silo_is_killed_mid_run_and_only_tasks_started_before_the_kill_run_twice() => _scenario.RunAsync(async () =>
    {
        var downstream = _scenario.Downstream;
        var silo = await _scenario.StartSiloAsync();
        var specs = Enumerable.Range(0, TaskCount).Select(i => _scenario.HttpTask($"crash-{i:D4}", HoldMs)).ToList();
        var ids = await silo.EnqueueAsync(specs, batchSize: 500);
        Assert.Equal(TaskCount, ids.Distinct(StringComparer.Ordinal).Count());

        await downstream.WaitUntilAsync(d => d.DistinctStarted >= KillAfterStarted, TimeSpan.FromSeconds(60), $"{KillAfterStarted} tasks started");
        var inFlightAtKill = downstream.InFlight;
        silo.KillHard();
        var exitCode = await silo.WaitForExitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(128 + 9, exitCode); // Killed by signal 9: no shutdown code ran.

        // Nothing can reach the downstream service any more: this is what the first silo did.
        var startedBeforeKill = downstream.DistinctStarted;
        var answeredBeforeKill = downstream.DistinctAnswered;
        Assert.True(answeredBeforeKill < TaskCount, $"The run ended before the kill ({answeredBeforeKill} answered): nothing was tested.");

        var restartedAt = Stopwatch.GetTimestamp();
        silo = await _scenario.StartSiloAsync();
        var readyAfter = Stopwatch.GetElapsedTime(restartedAt);
        await downstream.WaitUntilAsync(d => d.DistinctAnswered >= TaskCount, TimeSpan.FromSeconds(120), $"all {TaskCount} tasks answered");
        var tasks = await silo.WaitUntilAllAsync(ids, "succeeded", TimeSpan.FromSeconds(30));
        var drained = Stopwatch.GetElapsedTime(restartedAt);

        var executions = downstream.Executions.ToDictionary(StringComparer.Ordinal);
        Assert.All(ids, id => Assert.True(executions.ContainsKey(id), $"Task {id} succeeded but the downstream service never saw it."));
        Assert.Empty(executions.Keys.Except(ids, StringComparer.Ordinal));
        var rerun = executions.Where(e => e.Value > 1).ToList();
        var duplicates = rerun.Sum(e => e.Value - 1);
        // A re-run is only allowed for a task whose first execution the kill may have cut short or left unrecorded.
        Assert.All(rerun, e => Assert.True(downstream.FirstSeen[e.Key] < restartedAt, $"Task {e.Key} ran {e.Value} times though it first started after the restart."));

        _scenario.Report($"SIGKILL after {startedBeforeKill} of {TaskCount} tasks started ({answeredBeforeKill} answered, {inFlightAtKill} executing at the kill).");
        _scenario.Report($"Restart: ready in {readyAfter.TotalSeconds:F1} s, all {TaskCount} succeeded {drained.TotalSeconds:F1} s after the restart began.");
        _scenario.Report($"Executions {executions.Values.Sum()} for {TaskCount} tasks: {duplicates} duplicates (at-least-once re-runs) over {rerun.Count} tasks;");
        _scenario.Report($"attempts > 1 recorded on {tasks.Values.Count(t => t.Attempt > 1)} tasks; lost 0.");
    });
}
