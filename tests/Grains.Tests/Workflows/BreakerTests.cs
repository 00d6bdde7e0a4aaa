using OmniActors.Breakers;
using OmniActors.Tasks;
using OmniActors.Tests.Support;
using static OmniActors.Tests.Tasks.TaskTestKit;
using TaskStatus = OmniActors.Tasks.TaskStatus;

namespace OmniActors.Tests.Workflows;

/// <summary>An action's circuit breaker, cluster-wide: it opens, holds tasks without counting attempts, probes, reopens, closes.</summary>
public abstract class BreakerTests(TaskClusterFixture fixture)
{
    private Probe Probe => fixture.Probe;

    private ICircuitBreakerGrain Breaker => fixture.Client.GetGrain<ICircuitBreakerGrain>("test-breaker");

    private async Task<string> Submit(string queue) =>
        (await fixture.Omni.EnqueueAsync(new TaskSpec { Action = "test-breaker", Queue = queue, Retry = FastRetry(1) })).Task.Id;

    [Fact]
    public async Task The_breaker_opens_holds_probes_reopens_and_closes()
    {
        var queue = UniqueQueue("breaker");
        Probe.Gates.TryRemove(BreakerAction.HealthyGate, out _);
        await Eventually.Until(() => Breaker.Get(), b => b.State.Status == BreakerStatus.Closed, Deadline, "the breaker starts closed");

        // Two failures in a row open it.
        await fixture.Omni.EndsAs(await Submit(queue), TaskStatus.DeadLettered);
        await fixture.Omni.EndsAs(await Submit(queue), TaskStatus.DeadLettered);
        var open = await Breaker.Get();
        Assert.Equal(BreakerStatus.Open, open.State.Status);

        // Held: not failed, not started, no attempt counted, for as long as the cool-down lasts. A check whose reads
        // ended after OpenUntil proves nothing (the probe may have started, failed and reopened the breaker meanwhile).
        var held = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Submit(queue)));
        var openUntil = open.State.OpenUntil ?? throw new InvalidOperationException("an open breaker has an end to its cool-down");
        var checksInsideCoolDown = 0;
        await HoldsFor(TimeSpan.FromMilliseconds(400), async () =>
        {
            var tasks = await Task.WhenAll(held.Select(id => fixture.Omni.GetAsync(id)));
            var executed = held.Any(Probe.Executions.ContainsKey);
            if (DateTimeOffset.UtcNow >= openUntil)
            {
                return true;
            }
            checksInsideCoolDown++;
            return !executed && tasks.All(t => t is { Status: TaskStatus.Queued, Attempt: 0 });
        }, "held tasks neither run nor count an attempt while the breaker is open");
        Assert.True(checksInsideCoolDown > 0, "the hold was checked at least once before the cool-down ended");

        // After the cool-down one probe runs; it fails, so the breaker opens again.
        var reopened = await Eventually.Until(() => Breaker.Get(), b => b.State.TimesOpened == open.State.TimesOpened + 1, Deadline, "the failed probe reopens it");
        Assert.Equal(BreakerStatus.Open, reopened.State.Status);
        Assert.Single(held, id => Probe.Executions.ContainsKey(id));

        // Downstream heals: the next probe succeeds, the breaker closes and the held tasks run.
        Probe.Gate(BreakerAction.HealthyGate);
        foreach (var id in held.Where(id => !Probe.Executions.ContainsKey(id)))
        {
            var done = await fixture.Omni.EndsAs(id, TaskStatus.Succeeded);
            Assert.Equal(1, done.Attempt);
        }
        Assert.Equal(BreakerStatus.Closed, (await Breaker.Get()).State.Status);
        Probe.Gates.TryRemove(BreakerAction.HealthyGate, out _);
    }

    [Fact]
    public async Task Actions_without_a_breaker_never_hold()
    {
        var queue = UniqueQueue("no-breaker");
        for (var i = 0; i < 4; i++)
        {
            await fixture.Omni.EndsAs((await fixture.Omni.EnqueueAsync(new TaskSpec { Action = "test-fail", Queue = queue, Retry = FastRetry(1) })).Task.Id,
                TaskStatus.DeadLettered);
        }

        var info = await fixture.Client.GetGrain<ICircuitBreakerGrain>("test-fail").Get();
        Assert.False(info.Settings.Enabled);
        Assert.Equal(BreakerStatus.Closed, info.State.Status);
    }
}

[Collection(SqliteClusterCollection.Name)]
public sealed class SqliteBreakerTests(SqliteTaskCluster fixture) : BreakerTests(fixture);

[Collection(PostgresClusterCollection.Name)]
public sealed class PostgresBreakerTests(PostgresTaskCluster fixture) : BreakerTests(fixture);
