using OmniActors.Tasks;

namespace OmniActors.Domain;

/// <summary>Something that may move a task to another state. Time and randomness come in from outside.</summary>
public abstract record TaskCommand
{
    /// <summary>Begin the next attempt under a lease held by <paramref name="Owner"/>.</summary>
    public sealed record Start(string Owner, TimeSpan LeaseDuration) : TaskCommand;
    /// <summary>The running attempt is alive: extend its lease.</summary>
    public sealed record Heartbeat(int Attempt, TimeSpan LeaseDuration) : TaskCommand;
    /// <summary>The attempt returned a result.</summary>
    public sealed record Complete(int Attempt, string? Result) : TaskCommand;
    /// <summary>The attempt failed; <paramref name="JitterSample"/> in [0, 1) picks the backoff.</summary>
    public sealed record Fail(int Attempt, string ErrorType, string Message, bool NonRetryable, double JitterSample) : TaskCommand;
    /// <summary>The running attempt's holder is gone (lease expired or its silo died).</summary>
    public sealed record ExpireLease(double JitterSample) : TaskCommand;
    /// <summary>A shutting-down silo stopped the attempt: back to the queue, the attempt not counted.</summary>
    public sealed record Interrupt(int Attempt) : TaskCommand;
    /// <summary>A caller cancels the task.</summary>
    public sealed record Cancel(string? Reason) : TaskCommand;
    /// <summary>Move a dead letter back to its queue with fresh attempts.</summary>
    public sealed record Requeue : TaskCommand;
    /// <summary>Its dependencies ended as it needed: on to approval, its queue or its due time.</summary>
    public sealed record ReleaseDependencies : TaskCommand;
    /// <summary>Its dependencies cannot end as it needs: fail or cancel it per its policy (<paramref name="Skip"/> always cancels:
    /// a continuation whose condition did not come true).</summary>
    public sealed record AbandonDependencies(string Detail, bool Skip) : TaskCommand;
    /// <summary>A person accepts the task, optionally with a new payload (a modify).</summary>
    public sealed record Approve(string By, string? Comment, string? NewPayload) : TaskCommand;
    /// <summary>A person rejects the task.</summary>
    public sealed record Reject(string By, string Reason) : TaskCommand;
    /// <summary>A person completed the task by hand with <paramref name="Result"/>.</summary>
    public sealed record TakeOver(string By, string? Result, string? Comment) : TaskCommand;
}

/// <summary>The outcome of applying a command: the new state and its events, or a rejection.</summary>
public sealed record Transition
{
    private Transition(TaskInfo? state, IReadOnlyList<TaskEventType> events, string? rejection)
    {
        State = state;
        Events = events;
        Rejection = rejection;
    }

    /// <summary>The new state; null when rejected.</summary>
    public TaskInfo? State { get; }
    /// <summary>Lifecycle events, in order.</summary>
    public IReadOnlyList<TaskEventType> Events { get; }
    /// <summary>Why the command was refused; null when accepted.</summary>
    public string? Rejection { get; }
    /// <summary>True when accepted.</summary>
    public bool Accepted => Rejection is null;

    /// <summary>An accepted transition.</summary>
    public static Transition To(TaskInfo state, params TaskEventType[] events) => new(state, events, null);
    /// <summary>A refused transition.</summary>
    public static Transition Reject(string reason) => new(null, [], reason);
}
