namespace OmniActors.Schedules;

/// <summary>One entry of a schedule's history: a fire time and what became of it.</summary>
[GenerateSerializer, Alias("omni.ScheduleFire")]
public sealed record ScheduleFire
{
    /// <summary>The fire time (for <see cref="FireOutcome.Missed"/>: the first of the missed ones).</summary>
    [Id(0)] public DateTimeOffset FireTime { get; init; }
    /// <summary>What happened.</summary>
    [Id(1)] public FireOutcome Outcome { get; init; }
    /// <summary>The task the fire enqueued (or had already enqueued).</summary>
    [Id(2)] public string? TaskId { get; init; }
    /// <summary>When it was recorded.</summary>
    [Id(3)] public DateTimeOffset RecordedAt { get; init; }
    /// <summary>How many fire times the entry stands for (above 1 only for <see cref="FireOutcome.Missed"/>).</summary>
    [Id(4)] public int Count { get; init; } = 1;
    /// <summary>True for a fire asked for by a caller (trigger) rather than by the timetable.</summary>
    [Id(5)] public bool Manual { get; init; }
    /// <summary>Why, for outcomes that need a reason (a refused task).</summary>
    [Id(6)] public string? Detail { get; init; }
}

/// <summary>What became of a fire. Stored as numbers; never renumber.</summary>
public enum FireOutcome
{
    /// <summary>A task was enqueued.</summary>
    Enqueued = 0,
    /// <summary>The fire's task already existed (a repeated fire: another timer, a restart, a second trigger); nothing new was enqueued.</summary>
    AlreadyEnqueued = 1,
    /// <summary>Skipped because the previous fire's task had not ended.</summary>
    SkippedOverlap = 2,
    /// <summary>Held until the previous fire's task ends (buffer one).</summary>
    Buffered = 3,
    /// <summary>Missed (silo down or schedule paused) and not fired, per the misfire policy.</summary>
    Missed = 4,
    /// <summary>The task was refused (for example its action is no longer registered).</summary>
    Failed = 5,
}
