using OmniActors.Tasks;

namespace OmniActors.Schedules;

/// <summary>
/// When a schedule fires and what each fire enqueues. Exactly one of <see cref="Cron"/>, <see cref="Interval"/> and
/// <see cref="At"/> is set: that choice is the schedule's <see cref="ScheduleKind"/>.
/// </summary>
[GenerateSerializer, Alias("omni.ScheduleSpec")]
public sealed record ScheduleSpec
{
    /// <summary>Cron expression: six fields with seconds (<c>0 */5 * * * *</c>) or the classic five (minute first).</summary>
    [Id(0)] public string? Cron { get; init; }
    /// <summary>IANA time zone the cron expression is read in (<c>Europe/Berlin</c>); UTC when omitted.</summary>
    [Id(1)] public string? TimeZone { get; init; }
    /// <summary>Fixed interval between fires (at least one second).</summary>
    [Id(2)] public TimeSpan? Interval { get; init; }
    /// <summary>For an interval: the first fire (later fires are whole intervals after it); one interval from creation when omitted.</summary>
    [Id(3)] public DateTimeOffset? StartAt { get; init; }
    /// <summary>One-shot: the single fire time.</summary>
    [Id(4)] public DateTimeOffset? At { get; init; }
    /// <summary>What each fire enqueues. Its idempotency key is set per fire by the schedule, so it must be empty, as must <c>RunAt</c>.</summary>
    [Id(5)] public required TaskSpec Template { get; init; }
    /// <summary>What to do with fires that were missed (silo down, schedule paused).</summary>
    [Id(6)] public MisfirePolicy Misfire { get; init; }
    /// <summary>What to do when a fire comes while the previous fire's task has not ended.</summary>
    [Id(7)] public OverlapPolicy Overlap { get; init; }
    /// <summary>Under <see cref="MisfirePolicy.FireAll"/>: the most missed fires caught up at once (the latest ones).</summary>
    [Id(8)] public int MaxCatchUp { get; init; } = DefaultMaxCatchUp;

    /// <summary>The default of <see cref="MaxCatchUp"/>.</summary>
    public const int DefaultMaxCatchUp = 100;
}

/// <summary>How a schedule's fire times are defined.</summary>
public enum ScheduleKind
{
    /// <summary>A cron expression in a time zone.</summary>
    Cron = 0,
    /// <summary>A fixed interval.</summary>
    Interval = 1,
    /// <summary>A single time.</summary>
    Once = 2,
}

/// <summary>What happens to fires that came due while the schedule could not fire (silo down, paused). Stored as numbers; never renumber.</summary>
public enum MisfirePolicy
{
    /// <summary>Fire once now for the latest missed time; the earlier ones are recorded as missed.</summary>
    FireOnceNow = 0,
    /// <summary>Record every missed fire as missed and wait for the next fire time.</summary>
    SkipToNext = 1,
    /// <summary>Fire every missed time, up to <see cref="ScheduleSpec.MaxCatchUp"/> (the latest ones).</summary>
    FireAll = 2,
}

/// <summary>What happens when a fire comes while the previous fire's task has not ended. Stored as numbers; never renumber.</summary>
public enum OverlapPolicy
{
    /// <summary>Skip the fire (recorded as skipped).</summary>
    Skip = 0,
    /// <summary>Enqueue anyway; runs may overlap.</summary>
    Allow = 1,
    /// <summary>Hold one fire and enqueue it when the previous task ends; further fires meanwhile are skipped.</summary>
    BufferOne = 2,
}
