using OmniActors.Domain;
using OmniActors.Tasks;
using OmniActors.Tests.Domain;
using static OmniActors.Tests.Domain.TaskStates;
using TaskStatus = OmniActors.Tasks.TaskStatus;

namespace OmniActors.Tests.Workflows;

/// <summary>The lifecycle of tasks with dependencies: created waiting, released to their queue, or failed/cancelled visibly.</summary>
public sealed class DependencyLifecycleTests
{
    private static readonly TaskDefaults Defaults = new();

    private static TaskInfo Waiting(DependencyFailurePolicy policy = DependencyFailurePolicy.Fail, bool approval = false, DateTimeOffset? dueAt = null) =>
        Queued() with
        {
            Status = TaskStatus.WaitingOnDependencies,
            DependsOn = ["a"],
            OnDependencyFailure = policy,
            RequiresApproval = approval,
            DueAt = dueAt,
        };

    [Fact]
    public void A_task_with_dependencies_is_created_waiting()
    {
        var spec = new TaskSpec { Action = "x", DependsOn = ["a", "b"], RunWhen = DependencyCondition.AllEnded, RequiresApproval = true };

        var t = TaskLifecycle.Create("t", 0, spec, Defaults, "hash", Now);

        Assert.Equal(TaskStatus.WaitingOnDependencies, t.State!.Status);
        Assert.Equal(["a", "b"], t.State.DependsOn);
        Assert.Equal(DependencyCondition.AllEnded, t.State.RunWhen);
        Assert.Equal([TaskEventType.WaitingOnDependencies], t.Events);
    }

    [Fact]
    public void A_task_requiring_approval_without_dependencies_is_created_awaiting_approval()
    {
        var t = TaskLifecycle.Create("t", 0, new TaskSpec { Action = "x", RequiresApproval = true }, Defaults, "hash", Now);

        Assert.Equal(TaskStatus.AwaitingApproval, t.State!.Status);
        Assert.Equal([TaskEventType.AwaitingApproval], t.Events);
    }

    public static TheoryData<string, TaskInfo, TaskStatus, TaskEventType[]> Releases => new()
    {
        { "to its queue", Waiting(), TaskStatus.Queued, [TaskEventType.Enqueued] },
        { "to its due time", Waiting(dueAt: Now.AddMinutes(5)), TaskStatus.Scheduled, [TaskEventType.Enqueued] },
        { "past due: queued now", Waiting(dueAt: Now.AddMinutes(-5)), TaskStatus.Queued, [TaskEventType.Enqueued] },
        { "to the approval queue", Waiting(approval: true), TaskStatus.AwaitingApproval, [TaskEventType.AwaitingApproval] },
    };

    [Theory]
    [MemberData(nameof(Releases))]
    public void Released_dependencies_move_the_task_on(string name, TaskInfo waiting, TaskStatus expected, TaskEventType[] events)
    {
        var t = TaskLifecycle.Apply(waiting, new TaskCommand.ReleaseDependencies(), Now);

        Assert.True(t.Accepted, name);
        Assert.Equal(expected, t.State!.Status);
        Assert.Equal(events, t.Events);
    }

    [Fact]
    public void A_failed_dependency_dead_letters_a_task_with_the_fail_policy()
    {
        var t = TaskLifecycle.Apply(Waiting(), new TaskCommand.AbandonDependencies("Dependency a ended dead_lettered.", Skip: false), Now);

        Assert.Equal(TaskStatus.DeadLettered, t.State!.Status);
        Assert.Equal(TaskLifecycle.DependencyFailedType, t.State.LastError?.Type);
        Assert.Equal("Dependency a ended dead_lettered.", t.State.LastError?.Message);
        Assert.False(t.State.LastError?.Retryable);
        Assert.Equal(Now, t.State.FinishedAt);
        Assert.Equal([TaskEventType.DependencyFailed, TaskEventType.DeadLettered], t.Events);
    }

    [Fact]
    public void A_failed_dependency_cancels_a_task_with_the_cancel_policy()
    {
        var t = TaskLifecycle.Apply(Waiting(DependencyFailurePolicy.Cancel), new TaskCommand.AbandonDependencies("Dependency a ended cancelled.", Skip: false), Now);

        Assert.Equal(TaskStatus.Cancelled, t.State!.Status);
        Assert.Equal("Dependency a ended cancelled.", t.State.CancelReason);
        Assert.Equal([TaskEventType.DependencyFailed, TaskEventType.Cancelled], t.Events);
    }

    [Fact]
    public void A_skipped_continuation_is_cancelled_whatever_its_policy()
    {
        var t = TaskLifecycle.Apply(Waiting(DependencyFailurePolicy.Fail), new TaskCommand.AbandonDependencies("Skipped.", Skip: true), Now);

        Assert.Equal(TaskStatus.Cancelled, t.State!.Status);
        Assert.Equal("Skipped.", t.State.CancelReason);
        Assert.Equal([TaskEventType.Cancelled], t.Events);
    }

    public static TheoryData<string, TaskInfo> NotWaiting => new()
    {
        { "queued", Queued() },
        { "running", TaskStates.Running() },
        { "succeeded", Succeeded() },
        { "cancelled", Cancelled() },
    };

    [Theory]
    [MemberData(nameof(NotWaiting))]
    public void Dependency_commands_are_refused_unless_waiting(string name, TaskInfo state)
    {
        Assert.False(TaskLifecycle.Apply(state, new TaskCommand.ReleaseDependencies(), Now).Accepted, name);
        Assert.False(TaskLifecycle.Apply(state, new TaskCommand.AbandonDependencies("x", false), Now).Accepted, name);
    }

    [Fact]
    public void A_waiting_task_can_be_cancelled()
    {
        var t = TaskLifecycle.Apply(Waiting(), new TaskCommand.Cancel("changed my mind"), Now);

        Assert.Equal(TaskStatus.Cancelled, t.State!.Status);
        Assert.Equal([TaskEventType.Cancelled], t.Events);
    }
}
