using OmniActors.Tasks;

namespace OmniActors.Domain;

/// <summary>What a task gets when its spec leaves a setting out.</summary>
public sealed record TaskDefaults
{
    /// <summary>The queue used when a spec names none.</summary>
    public const string DefaultQueue = "default";

    /// <summary>Retry policy.</summary>
    public RetryPolicy Retry { get; init; } = RetryPolicy.Default;
    /// <summary>Per-attempt timeout.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>How long results are kept.</summary>
    public TimeSpan ResultTtl { get; init; } = TimeSpan.FromDays(1);
}

/// <summary>Bounds on what a spec may ask for.</summary>
public sealed record TaskLimits
{
    /// <summary>Lowest priority.</summary>
    public const int MinPriority = -1000;
    /// <summary>Highest priority.</summary>
    public const int MaxPriority = 1000;
    /// <summary>Longest accepted queue or action name.</summary>
    public const int MaxNameLength = 100;

    /// <summary>Largest payload in UTF-8 bytes.</summary>
    public int MaxPayloadBytes { get; init; } = 256 * 1024;
    /// <summary>Longest per-attempt timeout.</summary>
    public TimeSpan MaxTimeout { get; init; } = TimeSpan.FromDays(1);
    /// <summary>Furthest a task may be delayed.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromDays(366);
    /// <summary>Most attempts a retry policy may ask for.</summary>
    public int MaxAttempts { get; init; } = 100;
}
