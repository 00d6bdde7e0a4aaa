namespace OmniActors.Tasks;

/// <summary>A lifecycle event emitted by a task transition.</summary>
public enum TaskEventType
{
    /// <summary>The task was accepted into a queue (now or for later).</summary>
    Enqueued = 0,
    /// <summary>An attempt started executing.</summary>
    Executing = 1,
    /// <summary>The handler succeeded.</summary>
    Complete = 2,
    /// <summary>An attempt failed (error, timeout or lost lease).</summary>
    Error = 3,
    /// <summary>Another attempt was scheduled after a backoff.</summary>
    Retry = 4,
    /// <summary>The task was cancelled.</summary>
    Cancelled = 5,
    /// <summary>The task moved to the dead-letter queue.</summary>
    DeadLettered = 6,
    /// <summary>The task was accepted and waits for its dependencies.</summary>
    WaitingOnDependencies = 7,
    /// <summary>A dependency it needed ended without success (a DeadLettered or Cancelled event follows).</summary>
    DependencyFailed = 8,
    /// <summary>The task waits in the approval queue.</summary>
    AwaitingApproval = 9,
    /// <summary>A person accepted it (possibly with a new payload); it goes to its queue.</summary>
    Approved = 10,
    /// <summary>A person rejected it.</summary>
    Rejected = 11,
    /// <summary>A person completed it by hand with a result.</summary>
    TakenOver = 12,
}
