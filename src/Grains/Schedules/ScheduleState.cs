namespace OmniActors.Schedules;

/// <summary>A schedule's persisted state (Orleans grain storage). Absent (<see cref="Spec"/> null) when no schedule has the name.</summary>
[GenerateSerializer, Alias("omni.ScheduleState")]
public sealed class ScheduleState
{
    /// <summary>The definition; null when the schedule does not exist.</summary>
    [Id(0)] public ScheduleSpec? Spec { get; set; }
    /// <summary>Paused by a caller.</summary>
    [Id(1)] public bool Paused { get; set; }
    /// <summary>An interval timetable's first fire (later fires are whole intervals after it).</summary>
    [Id(2)] public DateTimeOffset? Anchor { get; set; }
    /// <summary>The earliest fire time not yet handled; null when the timetable has ended.</summary>
    [Id(3)] public DateTimeOffset? NextFireAt { get; set; }
    /// <summary>The fire time of the last task enqueued.</summary>
    [Id(4)] public DateTimeOffset? LastFireAt { get; set; }
    /// <summary>The last task enqueued (the one the overlap policy watches).</summary>
    [Id(5)] public string? LastTaskId { get; set; }
    /// <summary>A fire held until the last task ends (buffer one).</summary>
    [Id(6)] public DateTimeOffset? BufferedFireAt { get; set; }
    /// <summary>Tasks enqueued so far.</summary>
    [Id(7)] public long FireCount { get; set; }
    /// <summary>Created at.</summary>
    [Id(8)] public DateTimeOffset CreatedAt { get; set; }
    /// <summary>Last changed by a caller at.</summary>
    [Id(9)] public DateTimeOffset UpdatedAt { get; set; }
    /// <summary>Recent fires, oldest first, bounded (see <c>ScheduleHistory</c>).</summary>
    [Id(10)] public List<ScheduleFire> History { get; set; } = [];
}

/// <summary>The persisted set of schedule names.</summary>
[GenerateSerializer, Alias("omni.ScheduleIndexState")]
public sealed class ScheduleIndexState
{
    /// <summary>Names in ordinal order.</summary>
    [Id(0)] public List<string> Names { get; set; } = [];
}
