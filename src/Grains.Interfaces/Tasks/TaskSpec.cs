namespace OmniActors.Tasks;

/// <summary>What a caller asks to run: an action with a JSON payload on a queue.</summary>
// Immutable: init-only and never changed once built, so a call within a silo passes it as is instead of deep-copying it.
[GenerateSerializer, Immutable, Alias("omni.TaskSpec")]
public sealed record TaskSpec
{
    /// <summary>Registered action name, e.g. <c>send-message</c>.</summary>
    [Id(0)] public required string Action { get; init; }
    /// <summary>JSON text handed to the handler; <c>null</c> is sent as JSON null.</summary>
    [Id(1)] public string? Payload { get; init; }
    /// <summary>Queue name; <c>default</c> when omitted.</summary>
    [Id(2)] public string? Queue { get; init; }
    /// <summary>Higher runs first; FIFO within one priority.</summary>
    [Id(3)] public int Priority { get; init; }
    /// <summary>Run no earlier than this instant.</summary>
    [Id(4)] public DateTimeOffset? RunAt { get; init; }
    /// <summary>Run no earlier than this long after acceptance.</summary>
    [Id(5)] public TimeSpan? Delay { get; init; }
    /// <summary>The same key always names the same task: a repeat returns it instead of a second task.</summary>
    [Id(6)] public string? IdempotencyKey { get; init; }
    /// <summary>Per-attempt time limit; the action's or queue's default when omitted.</summary>
    [Id(7)] public TimeSpan? Timeout { get; init; }
    /// <summary>Retry policy; the action's default when omitted.</summary>
    [Id(8)] public RetryPolicy? Retry { get; init; }
    /// <summary>How long a result is kept after success; the configured default when omitted.</summary>
    [Id(9)] public TimeSpan? ResultTtl { get; init; }
    /// <summary>Ids of existing tasks this one waits for; it stays waiting until <see cref="RunWhen"/> holds.</summary>
    [Id(10)] public IReadOnlyList<string>? DependsOn { get; init; }
    /// <summary>How its dependencies must end for it to run (all succeeded by default; a continuation on failure or on any end).</summary>
    [Id(11)] public DependencyCondition RunWhen { get; init; }
    /// <summary>What happens to it when a dependency it needed to succeed ended otherwise.</summary>
    [Id(12)] public DependencyFailurePolicy OnDependencyFailure { get; init; }
    /// <summary>Waits in the approval queue for a person's decision before it runs.</summary>
    [Id(13)] public bool RequiresApproval { get; init; }
    /// <summary>The workflow it belongs to (set by workflow submission).</summary>
    [Id(14)] public string? WorkflowId { get; init; }
    /// <summary>Its node key within <see cref="WorkflowId"/>.</summary>
    [Id(15)] public string? WorkflowKey { get; init; }
    /// <summary>W3C <c>traceparent</c> of the trace that enqueued it: each attempt's Activity is its child (see <see cref="TaskTrace"/>).</summary>
    [Id(16)] public string? TraceParent { get; init; }
    /// <summary>W3C <c>tracestate</c> that goes with <see cref="TraceParent"/>.</summary>
    [Id(17)] public string? TraceState { get; init; }
}
