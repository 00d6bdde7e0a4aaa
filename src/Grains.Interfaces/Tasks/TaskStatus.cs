namespace OmniActors.Tasks;

/// <summary>Where a task is in its life. Values are stored as text; never rename one.</summary>
public enum TaskStatus
{
    /// <summary>Accepted, due at a later time (delayed task).</summary>
    Scheduled = 0,
    /// <summary>Ready to run, waiting for a free slot in its queue.</summary>
    Queued = 1,
    /// <summary>A handler is executing it under a lease.</summary>
    Running = 2,
    /// <summary>The handler returned; the result is kept for the result TTL.</summary>
    Succeeded = 3,
    /// <summary>An attempt failed and another attempt is due after a backoff (failed, will retry).</summary>
    Retrying = 4,
    /// <summary>Attempts exhausted or the error was not retryable; waits in the dead-letter queue.</summary>
    DeadLettered = 5,
    /// <summary>Cancelled by a caller.</summary>
    Cancelled = 6,
    /// <summary>Waiting until the tasks it depends on have succeeded (workflows).</summary>
    WaitingOnDependencies = 7,
    /// <summary>Waiting for a person to approve it.</summary>
    AwaitingApproval = 8,
    /// <summary>A person rejected it in the approval queue.</summary>
    Rejected = 9,
}

/// <summary>Classification helpers for <see cref="TaskStatus"/>.</summary>
public static class TaskStatusExtensions
{
    /// <summary>True for states a task never leaves on its own.</summary>
    public static bool IsTerminal(this TaskStatus status) =>
        status is TaskStatus.Succeeded or TaskStatus.DeadLettered or TaskStatus.Cancelled or TaskStatus.Rejected;

    /// <summary>True for states in which a task waits in its queue partition: ready now or due later.</summary>
    public static bool IsPending(this TaskStatus status) =>
        status is TaskStatus.Queued or TaskStatus.Scheduled or TaskStatus.Retrying;
}
