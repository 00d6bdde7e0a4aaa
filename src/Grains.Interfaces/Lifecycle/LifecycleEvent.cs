namespace OmniActors.Lifecycle;

/// <summary>
/// One lifecycle event as it crosses the wire (Orleans streams, the event log, server-sent events): what happened to
/// which subject (a task, a schedule, a webhook event, an approval), in which queue, at which attempt, when and where.
/// A notification: the task table and the other feature tables are the truth.
/// </summary>
[GenerateSerializer, Alias("omni.LifecycleEvent")]
public sealed record LifecycleEvent
{
    /// <summary>What the subject is.</summary>
    [Id(0)] public LifecycleKind Kind { get; init; }

    /// <summary>The subject's id: task id, schedule name, webhook event id, approval's task id.</summary>
    [Id(1)] public string Id { get; init; } = "";

    /// <summary>The queue concerned (a task's queue, a schedule's template queue), when there is one.</summary>
    [Id(2)] public string? Queue { get; init; }

    /// <summary>What happened, in snake_case (see <see cref="LifecycleEventTypes"/>).</summary>
    [Id(3)] public string Type { get; init; } = "";

    /// <summary>The task's attempt (0 before the first start, and for subjects without attempts).</summary>
    [Id(4)] public int Attempt { get; init; }

    /// <summary>When it happened.</summary>
    [Id(5)] public DateTimeOffset At { get; init; }

    /// <summary>A short human-readable detail (an error message, a fire's task id, a decision's author).</summary>
    [Id(6)] public string? Detail { get; init; }

    /// <summary>The silo that recorded it.</summary>
    [Id(7)] public string? Silo { get; init; }

    /// <summary>The task's action, for task events.</summary>
    [Id(8)] public string? Action { get; init; }

    /// <summary>The event log's sequence number once the event is stored (0 before).</summary>
    [Id(9)] public long Sequence { get; init; }
}

/// <summary>The subject a lifecycle event is about. Stored as snake_case names; never rename.</summary>
public enum LifecycleKind
{
    /// <summary>A task's transition.</summary>
    Task = 0,
    /// <summary>A schedule's fire or state change.</summary>
    Schedule = 1,
    /// <summary>A webhook event received or processed.</summary>
    Webhook = 2,
    /// <summary>A human approval decision.</summary>
    Approval = 3,
}

/// <summary>A flush of lifecycle events published as one stream item (a silo batches rather than sending one message per event).</summary>
[GenerateSerializer, Alias("omni.LifecycleBatch")]
public sealed record LifecycleBatch
{
    /// <summary>The events, in the order they were recorded on their silo.</summary>
    [Id(0)] public IReadOnlyList<LifecycleEvent> Events { get; init; } = [];
}
