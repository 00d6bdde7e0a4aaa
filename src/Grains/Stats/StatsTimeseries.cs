namespace OmniActors.Stats;

/// <summary>
/// One step of a time series, starting <c>At</c> (UTC): event counts of the step, the enqueue-to-start wait (p50, p99 and
/// mean, in ms, of the attempts started in it; null when none started), and the average tasks ready, scheduled and running
/// over the step (null for steps under a minute, which the event log serves).
/// </summary>
public sealed record StatsPoint(DateTimeOffset At, long Enqueued, long Started, long Succeeded, long Failed, long Retried, long DeadLettered,
    long Cancelled, double? WaitP50Ms, double? WaitP99Ms, double? WaitMeanMs, double? Ready, double? Scheduled, double? Running);

/// <summary>Turns minute rows (or event counts) into evenly spaced points: pure, no clock, no storage.</summary>
public static class StatsTimeseries
{
    private const long MinuteMs = 60_000;

    /// <summary>
    /// Points of <paramref name="stepMs"/> (a whole number of minutes) from <paramref name="fromMs"/> to <paramref name="toMs"/>
    /// (aligned down to the step), every step present (zero when nothing happened). Counts and wait histograms add up over
    /// queues and minutes; depth and running are per minute the sum over queues of each queue's average, then averaged over
    /// the step's minutes that were sampled.
    /// </summary>
    public static IReadOnlyList<StatsPoint> FromRollups(IEnumerable<StatsMinuteRow> rows, long fromMs, long toMs, long stepMs)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var start = Align(fromMs, stepMs);
        var count = (int)((toMs - start + stepMs - 1) / stepMs);
        var sums = new long[count][];
        var gauges = new Dictionary<long, double[]>(); // minute -> ready, scheduled, running (summed over queues)
        foreach (var row in rows)
        {
            var index = (int)((row.Minute - start) / stepMs);
            if (row.Minute < start || index >= count)
            {
                continue;
            }
            var sum = sums[index] ??= new long[StatsColumns.Count];
            for (var i = 0; i < StatsColumns.Count; i++)
            {
                sum[i] += row.Values[i];
            }
            if (row.SampledMs > 0)
            {
                var g = gauges.TryGetValue(row.Minute, out var existing) ? existing : gauges[row.Minute] = new double[3];
                g[0] += (double)row.Values[StatsColumns.ReadyMs] / row.SampledMs;
                g[1] += (double)row.Values[StatsColumns.ScheduledMs] / row.SampledMs;
                g[2] += (double)row.Values[StatsColumns.RunningMs] / row.SampledMs;
            }
        }
        var byStep = gauges.GroupBy(g => (g.Key - start) / stepMs).ToDictionary(g => (int)g.Key, g =>
            (Ready: g.Average(x => x.Value[0]), Scheduled: g.Average(x => x.Value[1]), Running: g.Average(x => x.Value[2])));
        var points = new List<StatsPoint>(count);
        for (var i = 0; i < count; i++)
        {
            var s = sums[i] ?? new long[StatsColumns.Count];
            var buckets = s.AsSpan(StatsColumns.WaitBuckets, StatsHistogram.Buckets);
            var started = 0L;
            foreach (var b in buckets)
            {
                started += b;
            }
            var hasGauges = byStep.TryGetValue(i, out var g);
            points.Add(new StatsPoint(DateTimeOffset.FromUnixTimeMilliseconds(start + (i * stepMs)),
                s[StatsColumns.Enqueued], s[StatsColumns.Started], s[StatsColumns.Succeeded], s[StatsColumns.Failed], s[StatsColumns.Retried],
                s[StatsColumns.DeadLettered], s[StatsColumns.Cancelled],
                Round(StatsHistogram.Percentile(buckets, 0.5)), Round(StatsHistogram.Percentile(buckets, 0.99)),
                started == 0 ? null : Round((double)s[StatsColumns.WaitMsSum] / started),
                hasGauges ? Round(g.Ready) : 0, hasGauges ? Round(g.Scheduled) : 0, hasGauges ? Round(g.Running) : 0));
        }
        return points;
    }

    /// <summary>Points of event counts per step (the event log's, for steps under a minute); no waits, depth or running.</summary>
    public static IReadOnlyList<StatsPoint> FromEventCounts(IEnumerable<(long Bucket, int Column, long Count)> counts, long fromMs, long toMs, long stepMs)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var start = Align(fromMs, stepMs);
        var count = (int)((toMs - start + stepMs - 1) / stepMs);
        var sums = new long[count, StatsColumns.Cancelled + 1];
        foreach (var (bucket, column, n) in counts)
        {
            var index = (bucket - start) / stepMs;
            if (bucket >= start && index < count)
            {
                sums[index, column] += n;
            }
        }
        var points = new List<StatsPoint>(count);
        for (var i = 0; i < count; i++)
        {
            points.Add(new StatsPoint(DateTimeOffset.FromUnixTimeMilliseconds(start + (i * stepMs)),
                sums[i, StatsColumns.Enqueued], sums[i, StatsColumns.Started], sums[i, StatsColumns.Succeeded], sums[i, StatsColumns.Failed],
                sums[i, StatsColumns.Retried], sums[i, StatsColumns.DeadLettered], sums[i, StatsColumns.Cancelled], null, null, null, null, null, null));
        }
        return points;
    }

    /// <summary>The start of the step holding <paramref name="ms"/> (steps are aligned to the Unix epoch).</summary>
    public static long Align(long ms, long stepMs) => ms - (((ms % stepMs) + stepMs) % stepMs);

    /// <summary>The minute holding <paramref name="ms"/>.</summary>
    public static long Minute(long ms) => Align(ms, MinuteMs);

    private static double? Round(double? value) => value is { } v ? Math.Round(v, 2) : null;
}
