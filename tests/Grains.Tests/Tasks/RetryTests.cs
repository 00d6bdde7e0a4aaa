using OmniActors.Tasks;
using OmniActors.Tests.Support;
using static OmniActors.Tests.Tasks.TaskTestKit;
using TaskStatus = OmniActors.Tasks.TaskStatus;

namespace OmniActors.Tests.Tasks;

/// <summary>Failed attempts, retries, timeouts and the dead-letter queue they lead to.</summary>
public abstract class RetryTests(TaskClusterFixture fixture)
{
    private Probe Probe => fixture.Probe;

    [Fact]
    public async Task A_task_that_always_fails_is_dead_lettered_after_its_max_attempts()
    {
        var id = await Enqueue("test-fail", "{}", FastRetry(3));

        var dead = await fixture.Omni.EndsAs(id, TaskStatus.DeadLettered);
        Assert.Equal(3, dead.Attempt);
        var error = Present(dead.LastError);
        Assert.Equal("System.InvalidOperationException", error.Type);
        Assert.Equal("failure of attempt 3", error.Message);
        Assert.Equal(3, error.Attempt);
        Assert.Equal(3, fixture.ExecutionsOf(id));
        Assert.NotNull(dead.FinishedAt);
    }

    [Fact]
    public async Task A_flaky_task_succeeds_on_the_attempt_that_works()
    {
        var id = await Enqueue("test-flaky", """{"succeedOn":2}""", FastRetry(3));

        var done = await fixture.Omni.EndsAs(id, TaskStatus.Succeeded);
        Assert.Equal(2, done.Attempt);
        Assert.Equal("""{"attempt":2}""", done.Result);
        Assert.Equal(2, fixture.ExecutionsOf(id));
        Assert.Equal(1, done.LastError?.Attempt);
    }

    [Fact]
    public async Task A_non_retryable_exception_dead_letters_after_one_attempt()
    {
        var id = await Enqueue("test-fail", """{"permanent":true}""", FastRetry(5));

        var dead = await fixture.Omni.EndsAs(id, TaskStatus.DeadLettered);
        Assert.Equal(1, dead.Attempt);
        Assert.False(Present(dead.LastError).Retryable);
        Assert.Equal(1, fixture.ExecutionsOf(id));
    }

    [Fact]
    public async Task An_error_type_listed_as_non_retryable_dead_letters_after_one_attempt()
    {
        var id = await Enqueue("test-fail", "{}", FastRetry(5, "InvalidOperationException"));

        var dead = await fixture.Omni.EndsAs(id, TaskStatus.DeadLettered);
        Assert.Equal(1, dead.Attempt);
        var error = Present(dead.LastError);
        Assert.Equal("System.InvalidOperationException", error.Type);
        Assert.False(error.Retryable);
        Assert.Equal(1, fixture.ExecutionsOf(id));
    }

    [Fact]
    public async Task An_attempt_over_its_timeout_is_cancelled_and_fails_as_timeout()
    {
        var queue = UniqueQueue("timeout");
        var submitted = await fixture.Omni.EnqueueAsync(new TaskSpec
        {
            Action = "test-block",
            Queue = queue,
            Timeout = TimeSpan.FromMilliseconds(300),
            Retry = FastRetry(1),
        });
        var id = submitted.Task.Id;
        try
        {
            var dead = await fixture.Omni.EndsAs(id, TaskStatus.DeadLettered);
            Assert.Equal(TaskError.TimeoutType, Present(dead.LastError).Type);
            Assert.True(Probe.SawCancellation.GetValueOrDefault(id), "the handler's token did not fire on timeout");
            // A little slack: timers may fire a fraction of a millisecond early against the wall clock.
            Assert.True(dead.FinishedAt - dead.StartedAt >= TimeSpan.FromMilliseconds(290),
                $"the attempt ended after {dead.FinishedAt - dead.StartedAt}, before its timeout");
        }
        finally
        {
            Probe.Gate(id).TrySetResult();
        }
    }

    [Fact]
    public async Task A_handler_that_ignores_its_token_still_ends_after_timeout_and_grace()
    {
        var queue = UniqueQueue("stubborn");
        await fixture.WakePartitions(queue);
        var submitted = await fixture.Omni.EnqueueAsync(new TaskSpec
        {
            Action = "test-ignore-cancel",
            Queue = queue,
            Retry = FastRetry(1),
        });
        var id = submitted.Task.Id;
        Assert.Equal(TimeSpan.FromSeconds(1), submitted.Task.Timeout);
        try
        {
            var dead = await fixture.Omni.EndsAs(id, TaskStatus.DeadLettered);
            Assert.Equal(TaskError.TimeoutType, Present(dead.LastError).Type);
            // Timeout (1 s) plus the cancellation grace (1 s): the runner waits that long, not forever.
            var ran = dead.FinishedAt - dead.StartedAt;
            Assert.True(ran >= TimeSpan.FromSeconds(1.9) && ran < TimeSpan.FromSeconds(10), $"the attempt ran {ran}");
            await Eventually.Until(() => fixture.Stats(queue), s => s.Running == 0, TimeSpan.FromSeconds(5),
                "the slot of the abandoned attempt is released");
        }
        finally
        {
            Probe.Gate(id).TrySetResult();
        }
    }

    private async Task<string> Enqueue(string action, string payload, RetryPolicy retry)
    {
        var submitted = await fixture.Omni.EnqueueAsync(new TaskSpec
        {
            Action = action,
            Payload = payload,
            Queue = UniqueQueue("retry"),
            Retry = retry,
        });
        return submitted.Task.Id;
    }
}

[Collection(SqliteClusterCollection.Name)]
public sealed class SqliteRetryTests(SqliteTaskCluster fixture) : RetryTests(fixture);

[Collection(PostgresClusterCollection.Name)]
public sealed class PostgresRetryTests(PostgresTaskCluster fixture) : RetryTests(fixture);
