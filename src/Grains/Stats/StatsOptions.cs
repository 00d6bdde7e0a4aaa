using System.ComponentModel.DataAnnotations;

namespace OmniActors.Stats;

/// <summary>Per-minute queue statistics kept in <c>omni_stats_minute</c> for charts and <c>/api/stats/timeseries</c> (<c>OmniActors:Stats</c>).</summary>
public sealed class StatsOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "OmniActors:Stats";

    /// <summary>Aggregate lifecycle events into per-minute rows (off: no sink on the hot path, no rows, empty charts).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often a silo adds what it gathered to the minute rows and samples its queues' depth and running tasks.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")] public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long minute rows are kept.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "3650.00:00:00")] public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often rows past <see cref="Retention"/> are deleted.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")] public TimeSpan RetentionSweepInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Most (queue, minute) aggregates a silo holds between flushes; events beyond are not counted (a guard against unbounded queue names).</summary>
    [Range(16, 1_000_000)] public int MaxPendingRows { get; set; } = 10_000;
}
