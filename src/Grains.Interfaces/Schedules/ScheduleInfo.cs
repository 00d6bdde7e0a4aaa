namespace OmniActors.Schedules;

/// <summary>A schedule as callers read it.</summary>
[GenerateSerializer, Alias("omni.ScheduleInfo")]
public sealed record ScheduleInfo
{
    /// <summary>Schedule name (its key).</summary>
    [Id(0)] public required string Name { get; init; }
    /// <summary>Its definition.</summary>
    [Id(1)] public required ScheduleSpec Spec { get; init; }
    /// <summary>Cron, interval or one-shot.</summary>
    [Id(2)] public ScheduleKind Kind { get; init; }
    /// <summary>Paused schedules do not fire (a manual trigger still does).</summary>
    [Id(3)] public bool Paused { get; init; }
    /// <summary>No fire time is left (a one-shot that fired, or a cron that never matches again).</summary>
    [Id(4)] public bool Completed { get; init; }
    /// <summary>The next fire time; null while paused or completed.</summary>
    [Id(5)] public DateTimeOffset? NextFireAt { get; init; }
    /// <summary>The most recent fire time that enqueued a task.</summary>
    [Id(6)] public DateTimeOffset? LastFireAt { get; init; }
    /// <summary>The task that fire enqueued.</summary>
    [Id(7)] public string? LastTaskId { get; init; }
    /// <summary>Under <see cref="OverlapPolicy.BufferOne"/>: the fire waiting for the previous task to end.</summary>
    [Id(8)] public DateTimeOffset? BufferedFireAt { get; init; }
    /// <summary>Tasks enqueued by this schedule so far.</summary>
    [Id(9)] public long FireCount { get; init; }
    /// <summary>Created at.</summary>
    [Id(10)] public DateTimeOffset CreatedAt { get; init; }
    /// <summary>Last changed by a caller at.</summary>
    [Id(11)] public DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>The answer to a create-or-update.</summary>
[GenerateSerializer, Alias("omni.ScheduleUpsertResult")]
public sealed record ScheduleUpsertResult
{
    /// <summary>The schedule as stored.</summary>
    [Id(0)] public required ScheduleInfo Schedule { get; init; }
    /// <summary>True when this call created it, false when it updated it.</summary>
    [Id(1)] public bool Created { get; init; }
}
