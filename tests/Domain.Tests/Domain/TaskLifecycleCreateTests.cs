using OmniActors.Domain;
using OmniActors.Tasks;
using TaskStatus = OmniActors.Tasks.TaskStatus;

namespace OmniActors.Tests.Domain;

/// <summary>A new task from a spec: queued now or scheduled for later, with defaults filled in.</summary>
public sealed class TaskLifecycleCreateTests
{
    private static readonly DateTimeOffset Now = TaskStates.Now;
    private static readonly TaskDefaults Defaults = new();

    private static Transition Create(TaskSpec spec) => TaskLifecycle.Create("task-1", 3, spec, Defaults, "hash", Now);

    [Fact]
    public void A_spec_without_a_time_is_queued_now()
    {
        var created = Create(new TaskSpec { Action = "send-message" });

        Assert.True(created.Accepted);
        Assert.Equal([TaskEventType.Enqueued], created.Events);
        Assert.Equal(TaskStatus.Queued, created.State!.Status);
        Assert.Null(created.State.DueAt);
        Assert.Equal(0, created.State.Attempt);
        Assert.Equal(Now, created.State.CreatedAt);
        Assert.Equal(Now, created.State.UpdatedAt);
        Assert.Equal("task-1", created.State.Id);
        Assert.Equal(3, created.State.Partition);
        Assert.Equal("hash", created.State.SpecHash);
    }

    [Fact]
    public void A_delayed_spec_is_scheduled_for_now_plus_the_delay()
    {
        var created = Create(new TaskSpec { Action = "send-message", Delay = TimeSpan.FromMinutes(7) });

        Assert.Equal(TaskStatus.Scheduled, created.State!.Status);
        Assert.Equal(Now.AddMinutes(7), created.State.DueAt);
        Assert.Equal([TaskEventType.Enqueued], created.Events);
    }

    [Fact]
    public void A_spec_with_a_future_run_at_is_scheduled_for_that_instant()
    {
        var runAt = Now.AddHours(2);

        var created = Create(new TaskSpec { Action = "send-message", RunAt = runAt });

        Assert.Equal(TaskStatus.Scheduled, created.State!.Status);
        Assert.Equal(runAt, created.State.DueAt);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-60)]
    public void A_spec_whose_run_at_is_not_in_the_future_is_queued_now(int secondsFromNow)
    {
        var created = Create(new TaskSpec { Action = "send-message", RunAt = Now.AddSeconds(secondsFromNow) });

        Assert.Equal(TaskStatus.Queued, created.State!.Status);
        Assert.Null(created.State.DueAt);
    }

    [Fact]
    public void A_zero_delay_is_queued_now()
    {
        var created = Create(new TaskSpec { Action = "send-message", Delay = TimeSpan.Zero });

        Assert.Equal(TaskStatus.Queued, created.State!.Status);
    }

    [Fact]
    public void Settings_the_spec_leaves_out_come_from_the_defaults()
    {
        var defaults = new TaskDefaults
        {
            Retry = new RetryPolicy { MaxAttempts = 7 },
            Timeout = TimeSpan.FromSeconds(42),
            ResultTtl = TimeSpan.FromHours(3),
        };

        var state = TaskLifecycle.Create("task-1", 0, new TaskSpec { Action = "send-message" }, defaults, "hash", Now).State!;

        Assert.Equal(TaskDefaults.DefaultQueue, state.Queue);
        Assert.Equal("null", state.Payload);
        Assert.Equal(7, state.Retry.MaxAttempts);
        Assert.Equal(TimeSpan.FromSeconds(42), state.Timeout);
        Assert.Equal(TimeSpan.FromHours(3), state.ResultTtl);
    }

    [Fact]
    public void Settings_in_the_spec_win_over_the_defaults()
    {
        var spec = new TaskSpec
        {
            Action = "send-message",
            Queue = "mail",
            Payload = """{"to":"ada"}""",
            Priority = 5,
            Retry = new RetryPolicy { MaxAttempts = 9 },
            Timeout = TimeSpan.FromSeconds(12),
            ResultTtl = TimeSpan.FromMinutes(2),
            IdempotencyKey = "order-17",
        };

        var state = Create(spec).State!;

        Assert.Equal("mail", state.Queue);
        Assert.Equal("""{"to":"ada"}""", state.Payload);
        Assert.Equal(5, state.Priority);
        Assert.Equal(9, state.Retry.MaxAttempts);
        Assert.Equal(TimeSpan.FromSeconds(12), state.Timeout);
        Assert.Equal(TimeSpan.FromMinutes(2), state.ResultTtl);
        Assert.Equal("order-17", state.IdempotencyKey);
    }
}
