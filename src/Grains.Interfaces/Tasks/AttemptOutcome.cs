namespace OmniActors.Tasks;

/// <summary>How a handler attempt ended, as the runner saw it.</summary>
public enum AttemptOutcomeKind
{
    /// <summary>Returned a result.</summary>
    Succeeded = 0,
    /// <summary>Threw.</summary>
    Failed = 1,
    /// <summary>Ran past its timeout.</summary>
    TimedOut = 2,
    /// <summary>Stopped because the task was cancelled.</summary>
    Cancelled = 3,
    /// <summary>Stopped by a silo shutdown; the attempt does not count.</summary>
    Interrupted = 4,
}

/// <summary>The report a runner sends to the task when an attempt ends.</summary>
[GenerateSerializer, Immutable, Alias("omni.AttemptOutcome")]
public sealed record AttemptOutcome
{
    /// <summary>The attempt number the runner executed.</summary>
    [Id(0)] public int Attempt { get; init; }
    /// <summary>How it ended.</summary>
    [Id(1)] public AttemptOutcomeKind Kind { get; init; }
    /// <summary>JSON result when it succeeded.</summary>
    [Id(2)] public string? Result { get; init; }
    /// <summary>Error type name when it failed.</summary>
    [Id(3)] public string? ErrorType { get; init; }
    /// <summary>Error message when it failed.</summary>
    [Id(4)] public string? ErrorMessage { get; init; }
    /// <summary>True when the handler declared the failure permanent.</summary>
    [Id(5)] public bool NonRetryable { get; init; }
}
