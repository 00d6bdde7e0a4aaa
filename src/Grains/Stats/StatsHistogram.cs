namespace OmniActors.Stats;

/// <summary>
/// The enqueue-to-start wait histogram of a minute row (<c>w00</c>..<c>w16</c>): fixed buckets, so rows of several silos
/// and minutes merge by adding, and percentiles are read back by interpolating inside the bucket that holds them.
/// </summary>
public static class StatsHistogram
{
    /// <summary>Upper bounds (inclusive, milliseconds) of every bucket but the last, which holds everything longer.</summary>
    public static readonly long[] UpperBoundsMs = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 30_000, 60_000, 300_000];

    /// <summary>Number of buckets (one more than the bounds).</summary>
    public static int Buckets => UpperBoundsMs.Length + 1;

    /// <summary>The bucket a wait of <paramref name="milliseconds"/> falls in.</summary>
    public static int Bucket(long milliseconds)
    {
        var bounds = UpperBoundsMs;
        for (var i = 0; i < bounds.Length; i++)
        {
            if (milliseconds <= bounds[i])
            {
                return i;
            }
        }
        return bounds.Length;
    }

    /// <summary>The <paramref name="quantile"/> (0..1) of the counts, in milliseconds; null when they are all zero.</summary>
    public static double? Percentile(ReadOnlySpan<long> counts, double quantile)
    {
        long total = 0;
        foreach (var c in counts)
        {
            total += c;
        }
        if (total == 0)
        {
            return null;
        }
        var rank = Math.Clamp(quantile, 0, 1) * total;
        long before = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            var count = counts[i];
            if (count > 0 && before + count >= rank)
            {
                double lower = i == 0 ? 0 : UpperBoundsMs[i - 1];
                double upper = i < UpperBoundsMs.Length ? UpperBoundsMs[i] : lower * 4;
                return lower + ((upper - lower) * Math.Max(0, rank - before) / count);
            }
            before += count;
        }
        return UpperBoundsMs[^1] * 4;
    }
}
