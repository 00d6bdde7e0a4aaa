namespace OmniActors.Breakers;

/// <summary>Where a circuit breaker stands. Values are stored; never renumber one.</summary>
public enum BreakerStatus
{
    /// <summary>Tasks run; consecutive failures are counted.</summary>
    Closed = 0,
    /// <summary>Too many failures in a row: tasks are held until the cool-down ends.</summary>
    Open = 1,
    /// <summary>The cool-down ended: one probe task runs, the rest are held until it ends.</summary>
    HalfOpen = 2,
}

/// <summary>A breaker's state (grain state; cluster-wide, one per action).</summary>
[GenerateSerializer, Alias("omni.BreakerState")]
public sealed record BreakerState
{
    /// <summary>Where it stands.</summary>
    [Id(0)] public BreakerStatus Status { get; init; }
    /// <summary>Failures since the last success.</summary>
    [Id(1)] public int ConsecutiveFailures { get; init; }
    /// <summary>While open: held tasks wait until then.</summary>
    [Id(2)] public DateTimeOffset? OpenUntil { get; init; }
    /// <summary>While half-open: the task allowed to probe.</summary>
    [Id(3)] public string? ProbeTaskId { get; init; }
    /// <summary>When the probe was allowed.</summary>
    [Id(4)] public DateTimeOffset? ProbeStartedAt { get; init; }
    /// <summary>How many times it opened.</summary>
    [Id(5)] public long TimesOpened { get; init; }
}

/// <summary>A breaker's configuration: <see cref="FailureThreshold"/> 0 turns it off.</summary>
[GenerateSerializer, Alias("omni.BreakerSettings")]
public sealed record BreakerSettings
{
    /// <summary>Consecutive failures that open it; 0 means no breaker.</summary>
    [Id(0)] public int FailureThreshold { get; init; }
    /// <summary>How long it stays open before a probe.</summary>
    [Id(1)] public TimeSpan CoolDown { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>How long a task held while a probe runs waits before asking again.</summary>
    [Id(2)] public TimeSpan HalfOpenRetry { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>A probe that reported nothing for this long is presumed lost and another task may probe.</summary>
    [Id(3)] public TimeSpan ProbeTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>True when the breaker is on.</summary>
    public bool Enabled => FailureThreshold > 0;
}

/// <summary>The answer to a task asking to start: run now, or wait until <see cref="RetryAt"/> (held; no attempt counted).</summary>
[GenerateSerializer, Alias("omni.BreakerPermit")]
public sealed record BreakerPermit
{
    /// <summary>True: start.</summary>
    [Id(0)] public bool Allowed { get; init; }
    /// <summary>When held: when to ask again.</summary>
    [Id(1)] public DateTimeOffset? RetryAt { get; init; }
}

/// <summary>How a task that held a permit ended, for the breaker.</summary>
public enum BreakerOutcome
{
    /// <summary>The attempt succeeded.</summary>
    Succeeded = 0,
    /// <summary>The attempt failed (error or timeout).</summary>
    Failed = 1,
    /// <summary>The attempt was cancelled or interrupted: it says nothing about the action's health.</summary>
    Abandoned = 2,
}

/// <summary>A breaker as the API shows it.</summary>
[GenerateSerializer, Alias("omni.BreakerInfo")]
public sealed record BreakerInfo
{
    /// <summary>The action.</summary>
    [Id(0)] public required string Action { get; init; }
    /// <summary>Its state.</summary>
    [Id(1)] public required BreakerState State { get; init; }
    /// <summary>Its settings.</summary>
    [Id(2)] public required BreakerSettings Settings { get; init; }
}

/// <summary>The circuit breaker of one action (key: action name), shared by every silo.</summary>
[Alias("omni.ICircuitBreakerGrain")]
public interface ICircuitBreakerGrain : IGrainWithStringKey
{
    /// <summary>A task of this action asks to start.</summary>
    [Alias("Acquire")] Task<BreakerPermit> Acquire(string taskId);
    /// <summary>A task that started reports how its attempt ended.</summary>
    [Alias("Report")] Task Report(string taskId, BreakerOutcome outcome);
    /// <summary>The breaker now.</summary>
    [Alias("Get")] Task<BreakerInfo> Get();
}
