using OmniActors.Errors;
using OmniActors.Tasks;
using OmniActors.Tests.Support;
using static OmniActors.Tests.Tasks.TaskTestKit;
using TaskStatus = OmniActors.Tasks.TaskStatus;

namespace OmniActors.Tests.Tasks;

/// <summary>Cancelling tasks that wait, run or have ended.</summary>
public abstract class CancellationTests(TaskClusterFixture fixture)
{
    private Probe Probe => fixture.Probe;

    [Fact]
    public async Task Cancelling_a_running_task_fires_its_token_and_frees_its_slot()
    {
        var id = (await fixture.Omni.EnqueueAsync(new TaskSpec { Action = "test-block", Queue = "serial" })).Task.Id;
        try
        {
            await Eventually.True(() => Probe.Executions.ContainsKey(id), TimeSpan.FromSeconds(10), "the blocking task starts");
            Assert.Equal(TaskStatus.Running, (await fixture.Omni.GetAsync(id))?.Status);

            var cancelled = await fixture.Omni.CancelAsync(id, "test says stop");

            Assert.Equal(TaskStatus.Cancelled, cancelled.Status);
            Assert.Equal("test says stop", cancelled.CancelReason);
            await Eventually.True(() => Probe.SawCancellation.GetValueOrDefault(id), TimeSpan.FromSeconds(5), "the handler sees its token fire");

            // `serial` runs one task at a time: the next one runs only if the cancelled one gave its slot back.
            var next = (await fixture.Omni.EnqueueAsync("test-record", new { after = id }, "serial")).Task.Id;
            await fixture.Omni.EndsAs(next, TaskStatus.Succeeded);

            var after = await fixture.Omni.GetAsync(id);
            Assert.Equal(TaskStatus.Cancelled, after?.Status);
            Assert.Equal(1, after?.Attempt);
            Assert.Equal(1, fixture.ExecutionsOf(id));
        }
        finally
        {
            Probe.Gate(id).TrySetResult();
        }
    }

    [Fact]
    public async Task A_cancelled_queued_task_never_runs_after_resume()
    {
        string victim;
        string marker;
        await fixture.WakePartitions("serial");
        await fixture.PauseQueue("serial");
        try
        {
            victim = (await fixture.Omni.EnqueueAsync("test-record", new { role = "victim" }, "serial")).Task.Id;
            marker = (await fixture.Omni.EnqueueAsync("test-record", new { role = "marker" }, "serial")).Task.Id;
            var readyBefore = (await fixture.Stats("serial")).Ready;

            var cancelled = await fixture.Omni.CancelAsync(victim);

            Assert.Equal(TaskStatus.Cancelled, cancelled.Status);
            Assert.Equal(readyBefore - 1, (await fixture.Stats("serial")).Ready);
        }
        finally
        {
            await fixture.ResumeQueue("serial");
        }

        // The marker was queued after the victim at the same priority: once it has run, the victim would have too.
        await fixture.Omni.EndsAs(marker, TaskStatus.Succeeded);
        Assert.False(Probe.Executions.ContainsKey(victim), "a cancelled task ran");
        var after = await fixture.Omni.GetAsync(victim);
        Assert.Equal(TaskStatus.Cancelled, after?.Status);
        Assert.Equal(0, after?.Attempt);
    }

    [Fact]
    public async Task Cancelling_a_finished_task_is_an_invalid_transition()
    {
        var id = (await fixture.Omni.EnqueueAsync("test-record", new { done = true }, UniqueQueue("cancel-done"))).Task.Id;
        await fixture.Omni.EndsAs(id, TaskStatus.Succeeded);

        var ex = await Assert.ThrowsAsync<ConflictException>(() => fixture.Omni.CancelAsync(id));

        Assert.Equal(ErrorCodes.InvalidTransition, ex.Code);
        Assert.Equal(TaskStatus.Succeeded, (await fixture.Omni.GetAsync(id))?.Status);
    }

    [Fact]
    public async Task Cancelling_an_unknown_task_is_not_found()
    {
        var ex = await Assert.ThrowsAsync<NotFoundException>(() => fixture.Omni.CancelAsync("no-such-task-" + Guid.NewGuid().ToString("N")));
        Assert.Equal(ErrorCodes.NotFound, ex.Code);
    }
}

[Collection(SqliteClusterCollection.Name)]
public sealed class SqliteCancellationTests(SqliteTaskCluster fixture) : CancellationTests(fixture);

[Collection(PostgresClusterCollection.Name)]
public sealed class PostgresCancellationTests(PostgresTaskCluster fixture) : CancellationTests(fixture);
