namespace OmniActors.Stats;

/// <summary>The additive columns of <c>omni_stats_minute</c>, in the order of <see cref="StatsMinuteRow.Values"/>.</summary>
public static class StatsColumns
{
    public const int Enqueued = 0;
    public const int Started = 1;
    public const int Succeeded = 2;
    public const int Failed = 3;
    public const int Retried = 4;
    public const int DeadLettered = 5;
    public const int Cancelled = 6;
    public const int WaitMsSum = 7;
    public const int WaitBuckets = 8;
    public const int ReadyMs = WaitBuckets + 17;
    public const int ScheduledMs = ReadyMs + 1;
    public const int RunningMs = ReadyMs + 2;

    /// <summary>Number of additive columns.</summary>
    public const int Count = RunningMs + 1;

    /// <summary>Column names, by index.</summary>
    public static readonly string[] Names =
    [
        "enqueued", "started", "succeeded", "failed", "retried", "dead_lettered", "cancelled", "wait_ms_sum",
        .. Enumerable.Range(0, 17).Select(i => $"w{i:00}"),
        "ready_ms", "scheduled_ms", "running_ms",
    ];
}

/// <summary>One queue's minute: the additive columns (<see cref="StatsColumns"/>) and how long one silo sampled its gauges.</summary>
public sealed record StatsMinuteRow(string Queue, long Minute, long[] Values, long SampledMs);
