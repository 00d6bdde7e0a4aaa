namespace OmniActors.Tasks;

/// <summary>Why an attempt failed.</summary>
[GenerateSerializer, Immutable, Alias("omni.TaskError")]
public sealed record TaskError
{
    /// <summary>The .NET type name of the error, or a built-in kind (<c>Timeout</c>, <c>LeaseExpired</c>).</summary>
    [Id(0)] public required string Type { get; init; }
    /// <summary>Human-readable message.</summary>
    [Id(1)] public required string Message { get; init; }
    /// <summary>The attempt that failed.</summary>
    [Id(2)] public int Attempt { get; init; }
    /// <summary>When it failed.</summary>
    [Id(3)] public DateTimeOffset At { get; init; }
    /// <summary>False when the handler declared the error permanent.</summary>
    [Id(4)] public bool Retryable { get; init; } = true;

    /// <summary>Error kind recorded when an attempt outlives its per-task timeout.</summary>
    public const string TimeoutType = "Timeout";
    /// <summary>Error kind recorded when a running task's lease expired (its silo died).</summary>
    public const string LeaseExpiredType = "LeaseExpired";
}
