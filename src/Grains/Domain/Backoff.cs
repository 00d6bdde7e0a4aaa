using OmniActors.Tasks;

namespace OmniActors.Domain;

/// <summary>Exponential backoff with full jitter and a cap (the AWS "full jitter" scheme).</summary>
public static class Backoff
{
    /// <summary>The ceiling for the retry after <paramref name="failedAttempt"/>: min(cap, initial × multiplier^(attempt−1)).</summary>
    public static TimeSpan Ceiling(RetryPolicy policy, int failedAttempt)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (policy.InitialDelay <= TimeSpan.Zero)
        {
            return TimeSpan.Zero; // 0 × multiplier^n is 0, however large n (Pow would overflow to NaN).
        }
        var exponent = Math.Max(0, failedAttempt - 1);
        var ms = policy.InitialDelay.TotalMilliseconds * Math.Pow(policy.Multiplier, exponent);
        if (double.IsNaN(ms) || double.IsInfinity(ms) || ms > policy.MaxDelay.TotalMilliseconds)
        {
            return policy.MaxDelay;
        }
        return TimeSpan.FromMilliseconds(ms);
    }

    /// <summary>The delay before the next attempt: a uniform draw in [0, ceiling) from <paramref name="jitterSample"/> in [0, 1).</summary>
    public static TimeSpan Delay(RetryPolicy policy, int failedAttempt, double jitterSample)
    {
        var sample = Math.Clamp(jitterSample, 0.0, 1.0);
        return TimeSpan.FromMilliseconds(Ceiling(policy, failedAttempt).TotalMilliseconds * sample);
    }
}
