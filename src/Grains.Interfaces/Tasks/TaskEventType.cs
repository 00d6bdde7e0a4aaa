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
}
