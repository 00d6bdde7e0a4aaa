using OmniActors.Domain;
using OmniActors.Tasks;
using TaskStatus = OmniActors.Tasks.TaskStatus;

namespace OmniActors.Tests.Domain;

/// <summary>How attempts are counted, retried with backoff, and dead-lettered.</summary>
public sealed class TaskLifecycleAttemptTests
{
    private static readonly DateTimeOffset Now = TaskStates.Now;

    private static TaskInfo Apply(TaskInfo state, TaskCommand command, DateTimeOffset? at = null) =>
        TaskLifecycleTransitionTests.Accept(TaskLifecycle.Apply(state, command, at ?? Now));

    private static TaskCommand.Fail Failure(int attempt, double jitter = 0.5, string type = "System.IO.IOException", bool nonRetryable = false) =>
        new(attempt, type, "something broke", nonRetryable, jitter);

    private static readonly TaskCommand.Start StartOnSiloA = new("silo-a", TaskStates.Lease);

    [Fact]
    public void Starting_a_queued_task_begins_attempt_one_under_a_lease()
    {
        var running = Apply(TaskStates.Queued(), StartOnSiloA);

        Assert.Equal(1, running.Attempt);
        Assert.Equal("silo-a", running.LeaseOwner);
        Assert.Equal(Now + TaskStates.Lease, running.LeaseExpiresAt);
        Assert.Equal(Now, running.StartedAt);
        Assert.Null(running.DueAt);
    }

    [Fact]
    public void Starting_a_retry_counts_the_next_attempt()
    {
        var running = Apply(TaskStates.Retrying(Now.AddSeconds(-1), attempt: 2), StartOnSiloA);

        Assert.Equal(3, running.Attempt);
        Assert.Equal(Now.AddSeconds(-1), running.DueAt);
    }

    [Fact]
    public void A_delayed_task_keeps_its_due_time_once_it_starts_and_once_it_ends()
    {
        var due = Now.AddSeconds(-2);
        var running = Apply(TaskStates.Scheduled(due), StartOnSiloA);
        Assert.Equal(due, running.DueAt);

        var succeeded = TaskLifecycle.Apply(running, new TaskCommand.Complete(1, null), Now);

        Assert.Equal(TaskStatus.Succeeded, succeeded.State!.Status);
        Assert.Equal(due, succeeded.State.DueAt);
    }

    [Fact]
    public void A_heartbeat_extends_the_lease_from_now()
    {
        var running = TaskStates.Running(attempt: 1);
        var later = Now.AddSeconds(15);

        var transition = TaskLifecycle.Apply(running, new TaskCommand.Heartbeat(1, TimeSpan.FromSeconds(45)), later);

        Assert.True(transition.Accepted, transition.Rejection);
        Assert.Equal(later + TimeSpan.FromSeconds(45), transition.State!.LeaseExpiresAt);
        Assert.Equal(1, transition.State.Attempt);
        Assert.Empty(transition.Events);
    }

    [Fact]
    public void An_interrupt_gives_the_attempt_back_and_returns_the_task_to_its_queue()
    {
        var queued = Apply(TaskStates.Running(attempt: 2), new TaskCommand.Interrupt(2));

        Assert.Equal(TaskStatus.Queued, queued.Status);
        Assert.Equal(1, queued.Attempt);
        Assert.Null(queued.LeaseOwner);
        Assert.Null(queued.LeaseExpiresAt);

        var restarted = Apply(queued, StartOnSiloA);
        Assert.Equal(2, restarted.Attempt);
    }

    [Fact]
    public void An_interrupted_attempt_does_not_use_up_a_retry()
    {
        var twoAttempts = TaskStates.ThreeAttempts with { MaxAttempts = 2 };
        var task = Apply(TaskStates.Queued(twoAttempts), StartOnSiloA);
        task = Apply(task, new TaskCommand.Interrupt(1));
        task = Apply(task, StartOnSiloA);

        var afterFailure = TaskLifecycle.Apply(task, Failure(task.Attempt), Now);

        // Had the interrupted run counted, this would be attempt 2 of 2 and dead-letter.
        Assert.Equal(TaskStatus.Retrying, afterFailure.State!.Status);
    }

    [Fact]
    public void Requeueing_a_dead_letter_resets_attempts_to_zero()
    {
        var requeued = Apply(TaskStates.DeadLettered(), new TaskCommand.Requeue(), Now);

        Assert.Equal(TaskStatus.Queued, requeued.Status);
        Assert.Equal(0, requeued.Attempt);
        Assert.Null(requeued.DueAt);
        Assert.Null(requeued.FinishedAt);
    }

    [Fact]
    public void A_requeued_task_gets_its_full_retry_budget_again()
    {
        var requeued = Apply(TaskStates.DeadLettered(), new TaskCommand.Requeue());
        var running = Apply(requeued, StartOnSiloA);

        var afterFailure = TaskLifecycle.Apply(running, Failure(running.Attempt), Now);

        Assert.Equal(1, running.Attempt);
        Assert.Equal([TaskEventType.Error, TaskEventType.Retry], afterFailure.Events);
    }

    [Fact]
    public void Failing_every_allowed_attempt_retries_until_the_last_which_dead_letters()
    {
        var task = TaskStates.Queued(TaskStates.ThreeAttempts);
        var at = Now;

        for (var attempt = 1; attempt <= 3; attempt++)
        {
            task = Apply(task, StartOnSiloA, at);
            Assert.Equal(attempt, task.Attempt);

            var failed = TaskLifecycle.Apply(task, Failure(attempt, jitter: 0), at);
            Assert.True(failed.Accepted, failed.Rejection);
            task = failed.State!;

            if (attempt < 3)
            {
                Assert.Equal(TaskStatus.Retrying, task.Status);
                Assert.Equal([TaskEventType.Error, TaskEventType.Retry], failed.Events);
                Assert.Null(task.FinishedAt);
            }
            else
            {
                Assert.Equal(TaskStatus.DeadLettered, task.Status);
                Assert.Equal([TaskEventType.Error, TaskEventType.DeadLettered], failed.Events);
                Assert.Equal(at, task.FinishedAt);
            }
            at = at.AddMinutes(1);
        }
    }

    [Fact]
    public void A_single_attempt_policy_dead_letters_on_the_first_failure()
    {
        var running = TaskStates.Running(attempt: 1, retry: TaskStates.ThreeAttempts with { MaxAttempts = 1 });

        var failed = TaskLifecycle.Apply(running, Failure(1), Now);

        Assert.Equal(TaskStatus.DeadLettered, failed.State!.Status);
        Assert.Equal([TaskEventType.Error, TaskEventType.DeadLettered], failed.Events);
    }

    // Policy: 10 s initial, ×3, capped at 60 s; ceilings are 10, 30, 60 (90 capped), 60 s; the delay is ceiling × jitter.
    [Theory]
    [InlineData(1, 0.5, 5.0)]
    [InlineData(1, 0.0, 0.0)]
    [InlineData(2, 0.5, 15.0)]
    [InlineData(2, 0.9, 27.0)]
    [InlineData(3, 0.25, 15.0)]
    [InlineData(4, 0.5, 30.0)]
    public void A_retryable_failure_is_due_again_after_the_jittered_backoff(int attempt, double jitter, double expectedSeconds)
    {
        var policy = TaskStates.ThreeAttempts with { MaxAttempts = 5 };
        var running = TaskStates.Running(attempt, policy);

        var failed = TaskLifecycle.Apply(running, Failure(attempt, jitter), Now);

        Assert.Equal(TaskStatus.Retrying, failed.State!.Status);
        Assert.Equal(Now + TimeSpan.FromSeconds(expectedSeconds), failed.State.DueAt);
    }

    [Fact]
    public void A_failure_records_the_error_and_releases_the_lease()
    {
        var running = TaskStates.Running(attempt: 2);

        var failed = Apply(running, new TaskCommand.Fail(2, "System.IO.IOException", "disk full", false, 0.5));

        Assert.Equal("System.IO.IOException", failed.LastError!.Type);
        Assert.Equal("disk full", failed.LastError.Message);
        Assert.Equal(2, failed.LastError.Attempt);
        Assert.Equal(Now, failed.LastError.At);
        Assert.True(failed.LastError.Retryable);
        Assert.Null(failed.LeaseOwner);
        Assert.Null(failed.LeaseExpiresAt);
    }

    [Fact]
    public void A_failure_flagged_non_retryable_dead_letters_at_once()
    {
        var running = TaskStates.Running(attempt: 1);

        var failed = TaskLifecycle.Apply(running, Failure(1, nonRetryable: true), Now);

        Assert.Equal(TaskStatus.DeadLettered, failed.State!.Status);
        Assert.Equal([TaskEventType.Error, TaskEventType.DeadLettered], failed.Events);
        Assert.False(failed.State.LastError!.Retryable);
        Assert.Null(failed.State.DueAt);
    }

    [Theory]
    [InlineData("System.InvalidOperationException", "System.InvalidOperationException")]
    [InlineData("InvalidOperationException", "System.InvalidOperationException")]
    [InlineData("InvalidOperationException", "InvalidOperationException")]
    [InlineData("PaymentDeclinedException", "Shop.Billing.PaymentDeclinedException")]
    public void An_error_type_listed_as_non_retryable_dead_letters_at_once(string listed, string errorType)
    {
        var policy = TaskStates.ThreeAttempts with { NonRetryableErrors = ["System.ArgumentException", listed] };
        var running = TaskStates.Running(attempt: 1, retry: policy);

        var failed = TaskLifecycle.Apply(running, Failure(1, type: errorType), Now);

        Assert.Equal(TaskStatus.DeadLettered, failed.State!.Status);
        Assert.Equal([TaskEventType.Error, TaskEventType.DeadLettered], failed.Events);
        Assert.False(failed.State.LastError!.Retryable);
    }

    [Theory]
    [InlineData("System.ArgumentException", "System.InvalidOperationException")]
    [InlineData("OperationException", "System.InvalidOperationException")]
    [InlineData("Other.InvalidOperationException", "System.InvalidOperationException")]
    public void An_error_type_not_listed_as_non_retryable_is_retried(string listed, string errorType)
    {
        var policy = TaskStates.ThreeAttempts with { NonRetryableErrors = [listed] };
        var running = TaskStates.Running(attempt: 1, retry: policy);

        var failed = TaskLifecycle.Apply(running, Failure(1, type: errorType), Now);

        Assert.Equal(TaskStatus.Retrying, failed.State!.Status);
        Assert.True(failed.State.LastError!.Retryable);
    }

    [Fact]
    public void A_lost_lease_counts_as_a_failed_attempt_and_is_retried()
    {
        var running = TaskStates.Running(attempt: 1);

        var expired = TaskLifecycle.Apply(running, new TaskCommand.ExpireLease(0.5), Now);

        Assert.Equal(TaskStatus.Retrying, expired.State!.Status);
        Assert.Equal([TaskEventType.Error, TaskEventType.Retry], expired.Events);
        Assert.Equal(TaskError.LeaseExpiredType, expired.State.LastError!.Type);
        Assert.Equal(1, expired.State.LastError.Attempt);
        Assert.True(expired.State.LastError.Retryable);
        Assert.Equal(Now + TimeSpan.FromSeconds(5), expired.State.DueAt);
        Assert.Null(expired.State.LeaseOwner);
    }

    [Fact]
    public void A_lost_lease_on_the_last_attempt_dead_letters()
    {
        var running = TaskStates.Running(attempt: 3);

        var expired = TaskLifecycle.Apply(running, new TaskCommand.ExpireLease(0.5), Now);

        Assert.Equal(TaskStatus.DeadLettered, expired.State!.Status);
        Assert.Equal([TaskEventType.Error, TaskEventType.DeadLettered], expired.Events);
    }
}
