namespace OmniActors.Tasks;

/// <summary>How often and how far apart a failed task is tried again.</summary>
[GenerateSerializer, Immutable, Alias("omni.RetryPolicy")]
public sealed record RetryPolicy
{
    /// <summary>Total attempts, the first included (1 means no retry).</summary>
    [Id(0)] public int MaxAttempts { get; init; } = 3;
    /// <summary>Backoff ceiling before jitter for the first retry.</summary>
    [Id(1)] public TimeSpan InitialDelay { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>Cap on the backoff, whatever the attempt.</summary>
    [Id(2)] public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>Growth factor of the backoff per attempt.</summary>
    [Id(3)] public double Multiplier { get; init; } = 2.0;
    /// <summary>Error types (full or short .NET type names) that go straight to the dead-letter queue.</summary>
    [Id(4)] public IReadOnlyList<string> NonRetryableErrors { get; init; } = [];

    /// <summary>The default policy: 3 attempts, 1 s doubling up to 5 min, full jitter.</summary>
    public static RetryPolicy Default { get; } = new();
}
