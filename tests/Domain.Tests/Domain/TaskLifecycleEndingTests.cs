using OmniActors.Domain;
using OmniActors.Tasks;
using TaskStatus = OmniActors.Tasks.TaskStatus;

namespace OmniActors.Tests.Domain;

/// <summary>What completion and cancellation leave behind.</summary>
public sealed class TaskLifecycleEndingTests
{
    private static readonly DateTimeOffset Now = TaskStates.Now;

    [Fact]
    public void Completing_stores_the_result_until_now_plus_the_result_ttl()
    {
        var running = TaskStates.Running(attempt: 1) with { ResultTtl = TimeSpan.FromMinutes(90) };

        var done = TaskLifecycle.Apply(running, new TaskCommand.Complete(1, """{"sent":true}"""), Now);

        Assert.Equal(TaskStatus.Succeeded, done.State!.Status);
        Assert.Equal("""{"sent":true}""", done.State.Result);
        Assert.Equal(Now + TimeSpan.FromMinutes(90), done.State.ResultExpiresAt);
        Assert.Equal(Now, done.State.FinishedAt);
        Assert.Null(done.State.LeaseOwner);
        Assert.Null(done.State.LeaseExpiresAt);
        Assert.Equal(1, done.State.Attempt);
    }

    [Fact]
    public void A_completed_result_expires_once_its_ttl_has_passed()
    {
        var running = TaskStates.Running(attempt: 1) with { ResultTtl = TimeSpan.FromMinutes(10) };
        var done = TaskLifecycle.Apply(running, new TaskCommand.Complete(1, "42"), Now).State!;

        Assert.False(done.ResultExpired(Now));
        Assert.False(done.ResultExpired(Now.AddMinutes(10).AddTicks(-1)));
        Assert.True(done.ResultExpired(Now.AddMinutes(10)));
        Assert.True(done.ResultExpired(Now.AddDays(1)));
    }

    [Fact]
    public void A_task_without_a_result_expiry_never_reports_its_result_expired()
    {
        Assert.False(TaskStates.Queued().ResultExpired(DateTimeOffset.MaxValue));
    }

    [Fact]
    public void Cancelling_a_running_task_records_the_reason_and_releases_the_lease()
    {
        var cancelled = TaskLifecycle.Apply(TaskStates.Running(attempt: 1), new TaskCommand.Cancel("user asked"), Now);

        Assert.Equal(TaskStatus.Cancelled, cancelled.State!.Status);
        Assert.Equal("user asked", cancelled.State.CancelReason);
        Assert.Equal(Now, cancelled.State.FinishedAt);
        Assert.Null(cancelled.State.LeaseOwner);
        Assert.Null(cancelled.State.LeaseExpiresAt);
    }

    [Fact]
    public void Cancelling_a_scheduled_task_clears_its_due_time()
    {
        var cancelled = TaskLifecycle.Apply(TaskStates.Scheduled(Now.AddHours(1)), new TaskCommand.Cancel(null), Now);

        Assert.Equal(TaskStatus.Cancelled, cancelled.State!.Status);
        Assert.Null(cancelled.State.DueAt);
        Assert.Null(cancelled.State.CancelReason);
    }

    [Theory]
    [InlineData(TaskStatus.WaitingOnDependencies)]
    [InlineData(TaskStatus.AwaitingApproval)]
    public void A_waiting_task_can_be_cancelled_but_not_started(TaskStatus waiting)
    {
        var state = TaskStates.Queued() with { Status = waiting };

        Assert.False(TaskLifecycle.Apply(state, new TaskCommand.Start("silo-a", TaskStates.Lease), Now).Accepted);
        Assert.Equal([TaskEventType.Cancelled], TaskLifecycle.Apply(state, new TaskCommand.Cancel(null), Now).Events);
    }
}
