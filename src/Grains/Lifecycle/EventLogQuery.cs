namespace OmniActors.Lifecycle;

/// <summary>A filter over the event log; every field is optional. Results are in sequence order, after <see cref="After"/>.</summary>
public sealed record EventLogQuery
{
    /// <summary>Most events a page may hold.</summary>
    public const int MaxLimit = 1000;

    /// <summary>Events of this subject (task id, schedule name, ...).</summary>
    public string? Subject { get; init; }

    /// <summary>Events of this kind.</summary>
    public LifecycleKind? Kind { get; init; }

    /// <summary>Events of this queue.</summary>
    public string? Queue { get; init; }

    /// <summary>Events of this type (<see cref="LifecycleEventTypes"/>).</summary>
    public string? Type { get; init; }

    /// <summary>Events at or after this time.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>Events before this time.</summary>
    public DateTimeOffset? To { get; init; }

    /// <summary>Events with a sequence above this one (the cursor).</summary>
    public long After { get; init; }

    /// <summary>Events with a sequence at most this one (replay up to where live delivery starts).</summary>
    public long? UpTo { get; init; }

    /// <summary>Most events returned.</summary>
    public int Limit { get; init; } = 100;

    /// <summary>True when <paramref name="e"/> passes the filter's fields (not the sequence bounds).</summary>
    public bool Matches(LifecycleEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return (Subject is null || e.Id == Subject)
               && (Kind is null || e.Kind == Kind)
               && (Queue is null || e.Queue == Queue)
               && (Type is null || e.Type == Type)
               && (From is null || e.At >= From)
               && (To is null || e.At < To);
    }
}

/// <summary>A page of the event log; <see cref="NextCursor"/> is null on the last page.</summary>
public sealed record EventLogPage(IReadOnlyList<LifecycleEvent> Items, long? NextCursor);
