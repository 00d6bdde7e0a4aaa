namespace OmniActors.Tasks;

/// <summary>The answer to a submission: the task and whether this call created it.</summary>
[GenerateSerializer, Immutable, Alias("omni.SubmitResult")]
public sealed record SubmitResult
{
    /// <summary>The task as stored.</summary>
    [Id(0)] public required TaskInfo Task { get; init; }
    /// <summary>False when an idempotency key returned an existing task.</summary>
    [Id(1)] public bool Created { get; init; }
}

/// <summary>One item of a batch submission: a result or the error that refused it.</summary>
[GenerateSerializer, Immutable, Alias("omni.BatchItemResult")]
public sealed record BatchItemResult
{
    /// <summary>Set when the item was accepted (or replayed).</summary>
    [Id(0)] public SubmitResult? Result { get; init; }
    /// <summary>Set when the item was refused; nothing was stored for it.</summary>
    [Id(1)] public string? ErrorCode { get; init; }
    /// <summary>Why it was refused.</summary>
    [Id(2)] public string? ErrorMessage { get; init; }
}
