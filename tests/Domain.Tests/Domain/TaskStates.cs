using OmniActors.Tasks;
using TaskStatus = OmniActors.Tasks.TaskStatus;

namespace OmniActors.Tests.Domain;

/// <summary>Hand-built tasks in each state, so a transition test does not depend on other transitions.</summary>
internal static class TaskStates
{
    public static readonly DateTimeOffset Now = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    /// <summary>Three attempts; backoff ceilings 10 s, 30 s, 90 s, capped at 60 s.</summary>
    public static readonly RetryPolicy ThreeAttempts = new()
    {
        MaxAttempts = 3,
        InitialDelay = TimeSpan.FromSeconds(10),
        Multiplier = 3,
        MaxDelay = TimeSpan.FromSeconds(60),
    };

    public static TaskInfo Queued(RetryPolicy? retry = null) => new()
    {
        Id = "task-1",
        Queue = "default",
        Partition = 0,
        Action = "send-message",
        Payload = """{"to":"ada"}""",
        Status = TaskStatus.Queued,
        Retry = retry ?? ThreeAttempts,
        Timeout = TimeSpan.FromMinutes(5),
        ResultTtl = TimeSpan.FromHours(1),
        CreatedAt = Now.AddHours(-1),
        UpdatedAt = Now.AddHours(-1),
    };

    public static TaskInfo Scheduled(DateTimeOffset dueAt) => Queued() with { Status = TaskStatus.Scheduled, DueAt = dueAt };

    public static TaskInfo Running(int attempt = 1, RetryPolicy? retry = null) => Queued(retry) with
    {
        Status = TaskStatus.Running,
        Attempt = attempt,
        StartedAt = Now.AddMinutes(-1),
        LeaseOwner = "silo-a",
        LeaseExpiresAt = Now.AddSeconds(20),
    };

    public static TaskInfo Retrying(DateTimeOffset dueAt, int attempt = 1) => Queued() with
    {
        Status = TaskStatus.Retrying,
        Attempt = attempt,
        DueAt = dueAt,
        LastError = new TaskError { Type = "System.IO.IOException", Message = "disk", Attempt = attempt, At = Now.AddMinutes(-2) },
    };

    public static TaskInfo Succeeded() => Queued() with
    {
        Status = TaskStatus.Succeeded,
        Attempt = 1,
        Result = "42",
        ResultExpiresAt = Now.AddMinutes(30),
        FinishedAt = Now.AddMinutes(-30),
    };

    public static TaskInfo DeadLettered() => Queued() with
    {
        Status = TaskStatus.DeadLettered,
        Attempt = 3,
        FinishedAt = Now.AddMinutes(-5),
        LastError = new TaskError { Type = "System.IO.IOException", Message = "disk", Attempt = 3, At = Now.AddMinutes(-5) },
    };

    public static TaskInfo Cancelled() => Queued() with
    {
        Status = TaskStatus.Cancelled,
        CancelReason = "no longer needed",
        FinishedAt = Now.AddMinutes(-5),
    };
}
