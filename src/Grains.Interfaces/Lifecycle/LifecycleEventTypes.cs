namespace OmniActors.Lifecycle;

/// <summary>The event types known per kind (snake_case, as stored and filtered on).</summary>
public static class LifecycleEventTypes
{
    /// <summary>Task types: the names of <c>TaskEventType</c> in snake_case.</summary>
    public static readonly IReadOnlySet<string> Task = new HashSet<string>(StringComparer.Ordinal)
    {
        "enqueued", "executing", "complete", "error", "retry", "cancelled", "dead_lettered",
    };

    /// <summary>Schedule types: a fire's outcome, and the schedule's own changes.</summary>
    public static readonly IReadOnlySet<string> Schedule = new HashSet<string>(StringComparer.Ordinal)
    {
        "fired", "already_enqueued", "skipped_overlap", "buffered", "missed", "fire_failed", "paused", "resumed", "deleted",
    };

    /// <summary>Approval types: waiting, then one of the four decisions.</summary>
    public static readonly IReadOnlySet<string> Approval = new HashSet<string>(StringComparer.Ordinal)
    {
        "awaiting_approval", "accepted", "modified", "rejected", "taken_over",
    };

    /// <summary>Webhook types: an event received, normalized, routed, or refused.</summary>
    public static readonly IReadOnlySet<string> Webhook = new HashSet<string>(StringComparer.Ordinal)
    {
        "received", "normalized", "routed", "rejected",
    };

    /// <summary>Every known type, of any kind.</summary>
    public static readonly IReadOnlySet<string> All = new HashSet<string>(Task.Concat(Schedule).Concat(Approval).Concat(Webhook), StringComparer.Ordinal);

    /// <summary>The kind's name as stored and sent (<c>task</c>, <c>schedule</c>, <c>webhook</c>, <c>approval</c>).</summary>
    public static string KindName(LifecycleKind kind) => kind switch
    {
        LifecycleKind.Task => "task",
        LifecycleKind.Schedule => "schedule",
        LifecycleKind.Webhook => "webhook",
        LifecycleKind.Approval => "approval",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown lifecycle kind."),
    };

    /// <summary>The kind of a stored name, or null.</summary>
    public static LifecycleKind? ParseKind(string? name) => name switch
    {
        "task" => LifecycleKind.Task,
        "schedule" => LifecycleKind.Schedule,
        "webhook" => LifecycleKind.Webhook,
        "approval" => LifecycleKind.Approval,
        _ => null,
    };
}

/// <summary>Where lifecycle events are published on Orleans streams.</summary>
public static class LifecycleStreams
{
    /// <summary>The stream provider's name (memory streams, pub-sub state in the configured storage).</summary>
    public const string ProviderName = "omni";

    /// <summary>The namespace of lifecycle streams; the stream key is a queue name or <see cref="AllKey"/>.</summary>
    public const string Namespace = "omni.lifecycle";

    /// <summary>The key of the stream that carries every event (queue names cannot contain '*': see the task spec validator).</summary>
    public const string AllKey = "*";
}
