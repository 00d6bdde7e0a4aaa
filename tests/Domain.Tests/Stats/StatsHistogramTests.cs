using OmniActors.Stats;

namespace OmniActors.Domain.Tests.Stats;

public sealed class StatsHistogramTests
{
    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 0)]
    [InlineData(2, 1)]
    [InlineData(3, 2)]
    [InlineData(1_000, 9)]
    [InlineData(1_001, 10)]
    [InlineData(300_000, 15)]
    [InlineData(300_001, 16)]
    public void A_wait_falls_in_the_bucket_whose_upper_bound_holds_it(long ms, int bucket) =>
        Assert.Equal(bucket, StatsHistogram.Bucket(ms));

    [Fact]
    public void Percentiles_interpolate_inside_the_bucket_that_holds_them()
    {
        var counts = new long[StatsHistogram.Buckets];
        counts[StatsHistogram.Bucket(15)] = 98; // (10, 20]
        counts[StatsHistogram.Bucket(700)] = 2; // (500, 1000]

        Assert.InRange(StatsHistogram.Percentile(counts, 0.5)!.Value, 14, 16);
        Assert.InRange(StatsHistogram.Percentile(counts, 0.99)!.Value, 500, 1000);
        Assert.Null(StatsHistogram.Percentile(new long[StatsHistogram.Buckets], 0.5));
    }

    [Fact]
    public void Minutes_add_up_into_steps_and_gauges_average_over_sampled_minutes()
    {
        static StatsMinuteRow Row(string queue, long minute, long succeeded, long readyMs, long sampledMs)
        {
            var values = new long[StatsColumns.Count];
            values[StatsColumns.Succeeded] = succeeded;
            values[StatsColumns.ReadyMs] = readyMs;
            return new StatsMinuteRow(queue, minute, values, sampledMs);
        }
        const long m = 60_000;
        var rows = new[]
        {
            Row("a", 0, 3, 10 * 60_000, 60_000), // 10 ready on average
            Row("b", 0, 1, 5 * 30_000, 30_000),  // 5 ready, sampled half a minute so far
            Row("a", m, 2, 0, 60_000),
            Row("a", 3 * m, 7, 0, 0),
        };

        var points = StatsTimeseries.FromRollups(rows, 0, 4 * m, 2 * m);

        Assert.Equal(2, points.Count);
        Assert.Equal(6, points[0].Succeeded);
        Assert.Equal(7.5, points[0].Ready); // minute 0: 10 + 5; minute 1: 0
        Assert.Equal(7, points[1].Succeeded);
        Assert.Equal(0, points[1].Ready); // never sampled
    }
}
