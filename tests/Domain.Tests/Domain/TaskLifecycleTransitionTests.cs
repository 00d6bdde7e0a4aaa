using OmniActors.Domain;
using OmniActors.Tasks;
using static OmniActors.Tasks.TaskEventType;
using TaskStatus = OmniActors.Tasks.TaskStatus;

namespace OmniActors.Tests.Domain;

/// <summary>Where a matrix row starts.</summary>
public enum StartingState
{
    ScheduledDue,
    ScheduledNotDue,
    Queued,
    Running,
    Succeeded,
    RetryingDue,
    RetryingNotDue,
    DeadLettered,
    Cancelled,
}

/// <summary>The command a matrix row applies.</summary>
public enum CommandKind
{
    Start,
    Heartbeat,
    Complete,
    Fail,
    ExpireLease,
    Interrupt,
    Cancel,
    Requeue,
}

/// <summary>Every starting state × every command: the full table of legal and illegal transitions.</summary>
public sealed class TaskLifecycleTransitionTests
{
    private static readonly DateTimeOffset Now = TaskStates.Now;

    /// <summary>
    /// The expected outcome of each pair, written from the rules (not from the code): a null status means rejected.
    /// The running task is on attempt 1 of 3, so a retryable failure retries. Reports carry the task's own attempt
    /// number, so a rejection here is about the state, not a stale attempt.
    /// </summary>
    public static TheoryData<StartingState, CommandKind, TaskStatus?, TaskEventType[]> Matrix => new()
    {
        // Start: only a queued task, or a scheduled/retrying one whose time has come.
        { StartingState.ScheduledDue, CommandKind.Start, TaskStatus.Running, [Executing] },
        { StartingState.ScheduledNotDue, CommandKind.Start, null, [] },
        { StartingState.Queued, CommandKind.Start, TaskStatus.Running, [Executing] },
        { StartingState.Running, CommandKind.Start, null, [] },
        { StartingState.Succeeded, CommandKind.Start, null, [] },
        { StartingState.RetryingDue, CommandKind.Start, TaskStatus.Running, [Executing] },
        { StartingState.RetryingNotDue, CommandKind.Start, null, [] },
        { StartingState.DeadLettered, CommandKind.Start, null, [] },
        { StartingState.Cancelled, CommandKind.Start, null, [] },

        // Heartbeat: only the running attempt; it extends the lease and publishes nothing.
        { StartingState.ScheduledDue, CommandKind.Heartbeat, null, [] },
        { StartingState.ScheduledNotDue, CommandKind.Heartbeat, null, [] },
        { StartingState.Queued, CommandKind.Heartbeat, null, [] },
        { StartingState.Running, CommandKind.Heartbeat, TaskStatus.Running, [] },
        { StartingState.Succeeded, CommandKind.Heartbeat, null, [] },
        { StartingState.RetryingDue, CommandKind.Heartbeat, null, [] },
        { StartingState.RetryingNotDue, CommandKind.Heartbeat, null, [] },
        { StartingState.DeadLettered, CommandKind.Heartbeat, null, [] },
        { StartingState.Cancelled, CommandKind.Heartbeat, null, [] },

        // Complete: only the running attempt.
        { StartingState.ScheduledDue, CommandKind.Complete, null, [] },
        { StartingState.ScheduledNotDue, CommandKind.Complete, null, [] },
        { StartingState.Queued, CommandKind.Complete, null, [] },
        { StartingState.Running, CommandKind.Complete, TaskStatus.Succeeded, [Complete] },
        { StartingState.Succeeded, CommandKind.Complete, null, [] },
        { StartingState.RetryingDue, CommandKind.Complete, null, [] },
        { StartingState.RetryingNotDue, CommandKind.Complete, null, [] },
        { StartingState.DeadLettered, CommandKind.Complete, null, [] },
        { StartingState.Cancelled, CommandKind.Complete, null, [] },

        // Fail: only the running attempt; attempt 1 of 3 retries.
        { StartingState.ScheduledDue, CommandKind.Fail, null, [] },
        { StartingState.ScheduledNotDue, CommandKind.Fail, null, [] },
        { StartingState.Queued, CommandKind.Fail, null, [] },
        { StartingState.Running, CommandKind.Fail, TaskStatus.Retrying, [Error, Retry] },
        { StartingState.Succeeded, CommandKind.Fail, null, [] },
        { StartingState.RetryingDue, CommandKind.Fail, null, [] },
        { StartingState.RetryingNotDue, CommandKind.Fail, null, [] },
        { StartingState.DeadLettered, CommandKind.Fail, null, [] },
        { StartingState.Cancelled, CommandKind.Fail, null, [] },

        // ExpireLease: only a running task holds a lease; a lost attempt counts as a failure.
        { StartingState.ScheduledDue, CommandKind.ExpireLease, null, [] },
        { StartingState.ScheduledNotDue, CommandKind.ExpireLease, null, [] },
        { StartingState.Queued, CommandKind.ExpireLease, null, [] },
        { StartingState.Running, CommandKind.ExpireLease, TaskStatus.Retrying, [Error, Retry] },
        { StartingState.Succeeded, CommandKind.ExpireLease, null, [] },
        { StartingState.RetryingDue, CommandKind.ExpireLease, null, [] },
        { StartingState.RetryingNotDue, CommandKind.ExpireLease, null, [] },
        { StartingState.DeadLettered, CommandKind.ExpireLease, null, [] },
        { StartingState.Cancelled, CommandKind.ExpireLease, null, [] },

        // Interrupt: only the running attempt; back to the queue.
        { StartingState.ScheduledDue, CommandKind.Interrupt, null, [] },
        { StartingState.ScheduledNotDue, CommandKind.Interrupt, null, [] },
        { StartingState.Queued, CommandKind.Interrupt, null, [] },
        { StartingState.Running, CommandKind.Interrupt, TaskStatus.Queued, [Enqueued] },
        { StartingState.Succeeded, CommandKind.Interrupt, null, [] },
        { StartingState.RetryingDue, CommandKind.Interrupt, null, [] },
        { StartingState.RetryingNotDue, CommandKind.Interrupt, null, [] },
        { StartingState.DeadLettered, CommandKind.Interrupt, null, [] },
        { StartingState.Cancelled, CommandKind.Interrupt, null, [] },

        // Cancel: any state that is not terminal.
        { StartingState.ScheduledDue, CommandKind.Cancel, TaskStatus.Cancelled, [Cancelled] },
        { StartingState.ScheduledNotDue, CommandKind.Cancel, TaskStatus.Cancelled, [Cancelled] },
        { StartingState.Queued, CommandKind.Cancel, TaskStatus.Cancelled, [Cancelled] },
        { StartingState.Running, CommandKind.Cancel, TaskStatus.Cancelled, [Cancelled] },
        { StartingState.Succeeded, CommandKind.Cancel, null, [] },
        { StartingState.RetryingDue, CommandKind.Cancel, TaskStatus.Cancelled, [Cancelled] },
        { StartingState.RetryingNotDue, CommandKind.Cancel, TaskStatus.Cancelled, [Cancelled] },
        { StartingState.DeadLettered, CommandKind.Cancel, null, [] },
        { StartingState.Cancelled, CommandKind.Cancel, null, [] },

        // Requeue: dead letters only.
        { StartingState.ScheduledDue, CommandKind.Requeue, null, [] },
        { StartingState.ScheduledNotDue, CommandKind.Requeue, null, [] },
        { StartingState.Queued, CommandKind.Requeue, null, [] },
        { StartingState.Running, CommandKind.Requeue, null, [] },
        { StartingState.Succeeded, CommandKind.Requeue, null, [] },
        { StartingState.RetryingDue, CommandKind.Requeue, null, [] },
        { StartingState.RetryingNotDue, CommandKind.Requeue, null, [] },
        { StartingState.DeadLettered, CommandKind.Requeue, TaskStatus.Queued, [Enqueued] },
        { StartingState.Cancelled, CommandKind.Requeue, null, [] },
    };

    [Fact]
    public void The_matrix_covers_every_starting_state_and_command_exactly_once()
    {
        var pairs = Matrix.Select(row => ((StartingState)row[0], (CommandKind)row[1])).ToList();

        var expected = Enum.GetValues<StartingState>().SelectMany(s => Enum.GetValues<CommandKind>().Select(c => (s, c)));
        Assert.Equal(expected.OrderBy(p => p), pairs.OrderBy(p => p));
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public void Each_command_from_each_state_is_accepted_or_rejected_as_the_rules_say(
        StartingState from, CommandKind command, TaskStatus? expectedStatus, TaskEventType[] expectedEvents)
    {
        var state = StateFor(from);

        var transition = TaskLifecycle.Apply(state, CommandFor(command, state), Now);

        if (expectedStatus is { } status)
        {
            Assert.True(transition.Accepted, transition.Rejection);
            Assert.Null(transition.Rejection);
            Assert.NotNull(transition.State);
            Assert.Equal(status, transition.State.Status);
            Assert.Equal(expectedEvents, transition.Events);
            Assert.Equal(Now, transition.State.UpdatedAt);
            Assert.Equal(state.Id, transition.State.Id);
        }
        else
        {
            Assert.False(transition.Accepted);
            Assert.False(string.IsNullOrWhiteSpace(transition.Rejection));
            Assert.Null(transition.State);
            Assert.Empty(transition.Events);
        }
    }

    [Theory]
    [InlineData(CommandKind.Heartbeat, 1)]
    [InlineData(CommandKind.Heartbeat, 3)]
    [InlineData(CommandKind.Complete, 1)]
    [InlineData(CommandKind.Complete, 3)]
    [InlineData(CommandKind.Fail, 1)]
    [InlineData(CommandKind.Fail, 3)]
    [InlineData(CommandKind.Interrupt, 1)]
    [InlineData(CommandKind.Interrupt, 3)]
    public void A_report_for_a_stale_or_unknown_attempt_number_is_rejected(CommandKind command, int reportedAttempt)
    {
        var state = TaskStates.Running(attempt: 2);

        var transition = TaskLifecycle.Apply(state, CommandFor(command, state, reportedAttempt), Now);

        Assert.False(transition.Accepted);
        Assert.False(string.IsNullOrWhiteSpace(transition.Rejection));
        Assert.Empty(transition.Events);
    }

    [Fact]
    public void Completing_a_cancelled_task_is_rejected()
    {
        var running = TaskStates.Running(attempt: 1);
        var cancelled = Accept(TaskLifecycle.Apply(running, new TaskCommand.Cancel("user asked"), Now));

        var late = TaskLifecycle.Apply(cancelled, new TaskCommand.Complete(1, "42"), Now.AddSeconds(1));

        Assert.False(late.Accepted);
        Assert.False(string.IsNullOrWhiteSpace(late.Rejection));
    }

    [Fact]
    public void A_second_completion_of_the_same_attempt_is_rejected()
    {
        var running = TaskStates.Running(attempt: 1);
        var succeeded = Accept(TaskLifecycle.Apply(running, new TaskCommand.Complete(1, "42"), Now));

        var again = TaskLifecycle.Apply(succeeded, new TaskCommand.Complete(1, "43"), Now.AddSeconds(1));

        Assert.False(again.Accepted);
        Assert.False(string.IsNullOrWhiteSpace(again.Rejection));
    }

    [Fact]
    public void A_late_failure_after_completion_is_rejected()
    {
        var running = TaskStates.Running(attempt: 1);
        var succeeded = Accept(TaskLifecycle.Apply(running, new TaskCommand.Complete(1, "42"), Now));

        var late = TaskLifecycle.Apply(succeeded, new TaskCommand.Fail(1, "System.TimeoutException", "late", false, 0.5), Now.AddSeconds(1));

        Assert.False(late.Accepted);
    }

    [Fact]
    public void A_report_from_the_previous_attempt_after_a_retry_started_is_rejected()
    {
        var running = TaskStates.Running(attempt: 1);
        var retrying = Accept(TaskLifecycle.Apply(running, new TaskCommand.ExpireLease(0), Now));
        var second = Accept(TaskLifecycle.Apply(retrying, new TaskCommand.Start("silo-b", TaskStates.Lease), Now));

        var stale = TaskLifecycle.Apply(second, new TaskCommand.Complete(1, "from the lost silo"), Now.AddSeconds(1));

        Assert.False(stale.Accepted);
        Assert.Equal(2, second.Attempt);
    }

    [Fact]
    public void A_scheduled_task_due_exactly_now_can_start()
    {
        var transition = TaskLifecycle.Apply(TaskStates.Scheduled(Now), new TaskCommand.Start("silo-a", TaskStates.Lease), Now);

        Assert.True(transition.Accepted, transition.Rejection);
    }

    [Fact]
    public void A_retrying_task_one_tick_before_its_backoff_ends_cannot_start()
    {
        var state = TaskStates.Retrying(Now.AddTicks(1));

        var transition = TaskLifecycle.Apply(state, new TaskCommand.Start("silo-a", TaskStates.Lease), Now);

        Assert.False(transition.Accepted);
    }

    [Fact]
    public void An_unknown_command_type_throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => TaskLifecycle.Apply(TaskStates.Queued(), new UnknownCommand(), Now));
    }

    private sealed record UnknownCommand : TaskCommand;

    internal static TaskInfo Accept(Transition transition)
    {
        Assert.True(transition.Accepted, transition.Rejection);
        Assert.NotNull(transition.State);
        return transition.State;
    }

    private static TaskInfo StateFor(StartingState from) => from switch
    {
        StartingState.ScheduledDue => TaskStates.Scheduled(Now.AddMinutes(-1)),
        StartingState.ScheduledNotDue => TaskStates.Scheduled(Now.AddMinutes(1)),
        StartingState.Queued => TaskStates.Queued(),
        StartingState.Running => TaskStates.Running(attempt: 1),
        StartingState.Succeeded => TaskStates.Succeeded(),
        StartingState.RetryingDue => TaskStates.Retrying(Now.AddMinutes(-1)),
        StartingState.RetryingNotDue => TaskStates.Retrying(Now.AddMinutes(1)),
        StartingState.DeadLettered => TaskStates.DeadLettered(),
        StartingState.Cancelled => TaskStates.Cancelled(),
        _ => throw new ArgumentOutOfRangeException(nameof(from), from, null),
    };

    private static TaskCommand CommandFor(CommandKind kind, TaskInfo state, int? attempt = null)
    {
        var reported = attempt ?? state.Attempt;
        return kind switch
        {
            CommandKind.Start => new TaskCommand.Start("silo-a", TaskStates.Lease),
            CommandKind.Heartbeat => new TaskCommand.Heartbeat(reported, TaskStates.Lease),
            CommandKind.Complete => new TaskCommand.Complete(reported, "42"),
            CommandKind.Fail => new TaskCommand.Fail(reported, "System.IO.IOException", "disk full", NonRetryable: false, JitterSample: 0.5),
            CommandKind.ExpireLease => new TaskCommand.ExpireLease(0.5),
            CommandKind.Interrupt => new TaskCommand.Interrupt(reported),
            CommandKind.Cancel => new TaskCommand.Cancel("no longer needed"),
            CommandKind.Requeue => new TaskCommand.Requeue(),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };
    }
}
