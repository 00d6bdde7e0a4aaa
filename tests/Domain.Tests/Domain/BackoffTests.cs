using OmniActors.Domain;
using OmniActors.Tasks;

namespace OmniActors.Tests.Domain;

/// <summary>Exponential backoff with full jitter and a cap.</summary>
public sealed class BackoffTests
{
    /// <summary>1 s doubling, capped at 5 min (the default policy, spelled out so the expectations below stay readable).</summary>
    private static readonly RetryPolicy Doubling = new()
    {
        InitialDelay = TimeSpan.FromSeconds(1),
        Multiplier = 2,
        MaxDelay = TimeSpan.FromMinutes(5),
    };

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 4)]
    [InlineData(4, 8)]
    [InlineData(8, 128)]
    [InlineData(9, 256)]
    [InlineData(10, 300)] // 512 s, capped
    [InlineData(11, 300)]
    public void The_ceiling_grows_by_the_multiplier_per_attempt_until_the_cap(int failedAttempt, int expectedSeconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), Backoff.Ceiling(Doubling, failedAttempt));
    }

    [Theory]
    [InlineData(1, 250)]
    [InlineData(2, 750)]
    [InlineData(3, 2250)]
    [InlineData(4, 6750)]
    [InlineData(5, 10_000)] // 20 250 ms, capped
    public void The_ceiling_follows_a_fractional_initial_delay_and_other_multipliers(int failedAttempt, int expectedMilliseconds)
    {
        var policy = new RetryPolicy { InitialDelay = TimeSpan.FromMilliseconds(250), Multiplier = 3, MaxDelay = TimeSpan.FromSeconds(10) };

        Assert.Equal(TimeSpan.FromMilliseconds(expectedMilliseconds), Backoff.Ceiling(policy, failedAttempt));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public void The_ceiling_before_any_failed_attempt_is_the_initial_delay(int failedAttempt)
    {
        Assert.Equal(TimeSpan.FromSeconds(1), Backoff.Ceiling(Doubling, failedAttempt));
    }

    [Theory]
    [InlineData(64)]
    [InlineData(1100)]
    [InlineData(100_000)]
    [InlineData(int.MaxValue)]
    public void A_huge_attempt_number_stays_at_the_cap_without_overflowing(int failedAttempt)
    {
        Assert.Equal(TimeSpan.FromMinutes(5), Backoff.Ceiling(Doubling, failedAttempt));
        Assert.Equal(TimeSpan.FromMinutes(5), Backoff.Delay(Doubling, failedAttempt, 1.0));
        Assert.Equal(TimeSpan.FromMinutes(2.5), Backoff.Delay(Doubling, failedAttempt, 0.5));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(1100)]
    [InlineData(int.MaxValue)]
    public void A_multiplier_of_one_keeps_the_ceiling_at_the_initial_delay(int failedAttempt)
    {
        var flat = Doubling with { Multiplier = 1 };

        Assert.Equal(TimeSpan.FromSeconds(1), Backoff.Ceiling(flat, failedAttempt));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(1100)]
    [InlineData(int.MaxValue)]
    public void A_zero_initial_delay_retries_immediately_whatever_the_attempt(int failedAttempt)
    {
        // The validator accepts initialDelay = 0; min(cap, 0 × multiplier^n) is 0 for every n.
        var immediate = Doubling with { InitialDelay = TimeSpan.Zero };

        Assert.Equal(TimeSpan.Zero, Backoff.Ceiling(immediate, failedAttempt));
    }

    [Theory]
    [InlineData(1, 0.0)]
    [InlineData(1, 0.5)]
    [InlineData(1, 0.999)]
    [InlineData(5, 0.0)]
    [InlineData(5, 0.5)]
    [InlineData(5, 0.999)]
    [InlineData(12, 0.0)]
    [InlineData(12, 0.5)]
    [InlineData(12, 0.999)]
    public void The_delay_lies_between_zero_and_the_ceiling(int failedAttempt, double sample)
    {
        var ceiling = Backoff.Ceiling(Doubling, failedAttempt);

        var delay = Backoff.Delay(Doubling, failedAttempt, sample);

        Assert.InRange(delay, TimeSpan.Zero, ceiling);
    }

    [Theory]
    [InlineData(0.0, 0)]
    [InlineData(0.25, 2000)]
    [InlineData(0.5, 4000)]
    [InlineData(0.999, 7992)]
    public void The_delay_is_the_sample_s_share_of_the_ceiling(double sample, int expectedMilliseconds)
    {
        // Attempt 4: ceiling 8 s.
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMilliseconds), Backoff.Delay(Doubling, 4, sample));
    }

    [Theory]
    [InlineData(-0.5, 0)]
    [InlineData(1.0, 8000)]
    [InlineData(7.0, 8000)]
    public void A_sample_outside_zero_to_one_is_clamped_into_the_range(double sample, int expectedMilliseconds)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMilliseconds), Backoff.Delay(Doubling, 4, sample));
    }

    [Fact]
    public void Jittered_delays_spread_across_the_whole_range()
    {
        const int samples = 10_000;
        var random = new Random(20250301); // fixed seed: the test is deterministic
        var ceiling = Backoff.Ceiling(Doubling, 4).TotalMilliseconds;

        var delays = Enumerable.Range(0, samples).Select(_ => Backoff.Delay(Doubling, 4, random.NextDouble()).TotalMilliseconds).ToList();

        Assert.All(delays, d => Assert.InRange(d, 0, ceiling));
        var lowerQuarter = delays.Count(d => d < ceiling / 4);
        var upperQuarter = delays.Count(d => d >= ceiling * 3 / 4);
        // A uniform draw puts ~25 % in each quarter; 20 % is far outside the noise for 10 000 samples.
        Assert.True(lowerQuarter > samples / 5, $"only {lowerQuarter} delays in the lower quarter");
        Assert.True(upperQuarter > samples / 5, $"only {upperQuarter} delays in the upper quarter");
        Assert.InRange(delays.Average(), ceiling * 0.47, ceiling * 0.53);
        // Full jitter, not "ceiling ± a little": every tenth of the range is hit.
        Assert.Equal(10, delays.Select(d => Math.Min(9, (int)(d / ceiling * 10))).Distinct().Count());
    }
}
