namespace OmniActors.Tasks;

/// <summary>A task's full state: the row of the task table and what callers read.</summary>
// Immutable: init-only and never changed once built, so a call within a silo passes it as is instead of deep-copying it.
[GenerateSerializer, Immutable, Alias("omni.TaskInfo")]
public sealed record TaskInfo
{
    /// <summary>Task id.</summary>
    [Id(0)] public required string Id { get; init; }
    /// <summary>Queue name.</summary>
    [Id(1)] public required string Queue { get; init; }
    /// <summary>Queue partition that dispatches it.</summary>
    [Id(2)] public int Partition { get; init; }
    /// <summary>Action name.</summary>
    [Id(3)] public required string Action { get; init; }
    /// <summary>JSON payload.</summary>
    [Id(4)] public required string Payload { get; init; }
    /// <summary>Priority, higher first.</summary>
    [Id(5)] public int Priority { get; init; }
    /// <summary>Current state.</summary>
    [Id(6)] public TaskStatus Status { get; init; }
    /// <summary>Attempts started so far.</summary>
    [Id(7)] public int Attempt { get; init; }
    /// <summary>Retry policy in force.</summary>
    [Id(8)] public required RetryPolicy Retry { get; init; }
    /// <summary>Per-attempt time limit.</summary>
    [Id(9)] public TimeSpan Timeout { get; init; }
    /// <summary>How long the result is kept.</summary>
    [Id(10)] public TimeSpan ResultTtl { get; init; }
    /// <summary>Accepted at.</summary>
    [Id(11)] public DateTimeOffset CreatedAt { get; init; }
    /// <summary>Last transition at.</summary>
    [Id(12)] public DateTimeOffset UpdatedAt { get; init; }
    /// <summary>Not to start before (delayed or retry backoff).</summary>
    [Id(13)] public DateTimeOffset? DueAt { get; init; }
    /// <summary>Start of the current or last attempt.</summary>
    [Id(14)] public DateTimeOffset? StartedAt { get; init; }
    /// <summary>Reached a terminal state at.</summary>
    [Id(15)] public DateTimeOffset? FinishedAt { get; init; }
    /// <summary>The running attempt is considered lost after this instant without a heartbeat.</summary>
    [Id(16)] public DateTimeOffset? LeaseExpiresAt { get; init; }
    /// <summary>The silo running the current attempt.</summary>
    [Id(17)] public string? LeaseOwner { get; init; }
    /// <summary>JSON result of a succeeded task, until it expires.</summary>
    [Id(18)] public string? Result { get; init; }
    /// <summary>The result is dropped after this instant.</summary>
    [Id(19)] public DateTimeOffset? ResultExpiresAt { get; init; }
    /// <summary>The most recent failure.</summary>
    [Id(20)] public TaskError? LastError { get; init; }
    /// <summary>The idempotency key it was submitted with.</summary>
    [Id(21)] public string? IdempotencyKey { get; init; }
    /// <summary>Fingerprint of the submitted spec, to tell a replay from a conflicting reuse of a key.</summary>
    [Id(22)] public string? SpecHash { get; init; }
    /// <summary>Why it was cancelled, skipped or rejected.</summary>
    [Id(23)] public string? CancelReason { get; init; }
    /// <summary>Optimistic-concurrency version of the row; 0 before the first write.</summary>
    [Id(24)] public long Version { get; init; }
    /// <summary>Tasks it waits for.</summary>
    [Id(25)] public IReadOnlyList<string> DependsOn { get; init; } = [];
    /// <summary>How its dependencies must end for it to run.</summary>
    [Id(26)] public DependencyCondition RunWhen { get; init; }
    /// <summary>What a dependency's failure does to it.</summary>
    [Id(27)] public DependencyFailurePolicy OnDependencyFailure { get; init; }
    /// <summary>Tasks waiting for this one, woken when it ends.</summary>
    [Id(28)] public IReadOnlyList<string> Dependents { get; init; } = [];
    /// <summary>The workflow it belongs to.</summary>
    [Id(29)] public string? WorkflowId { get; init; }
    /// <summary>Its node key in the workflow.</summary>
    [Id(30)] public string? WorkflowKey { get; init; }
    /// <summary>Needs a person's decision before it runs.</summary>
    [Id(31)] public bool RequiresApproval { get; init; }
    /// <summary>The decisions taken on it, oldest first (the audit trail).</summary>
    [Id(32)] public IReadOnlyList<ApprovalDecision> Approvals { get; init; } = [];
    /// <summary>W3C <c>traceparent</c> of the trace that enqueued it; null when it was enqueued untraced.</summary>
    [Id(33)] public string? TraceParent { get; init; }
    /// <summary>W3C <c>tracestate</c> that goes with <see cref="TraceParent"/>.</summary>
    [Id(34)] public string? TraceState { get; init; }

    /// <summary>True once the result TTL has passed.</summary>
    public bool ResultExpired(DateTimeOffset now) => ResultExpiresAt is { } at && now >= at;
}
