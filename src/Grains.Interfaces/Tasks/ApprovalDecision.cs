namespace OmniActors.Tasks;

/// <summary>What a person decided about a task awaiting approval. Values are stored as text; never rename one.</summary>
public enum ApprovalAction
{
    /// <summary>Run it as submitted.</summary>
    Accept = 0,
    /// <summary>Replace its payload, then run it.</summary>
    Modify = 1,
    /// <summary>End it rejected with a reason.</summary>
    Reject = 2,
    /// <summary>A person did the work: end it succeeded with their result.</summary>
    TakeOver = 3,
}

/// <summary>One entry of a task's approval audit trail: who decided what, and when.</summary>
[GenerateSerializer, Alias("omni.ApprovalDecision")]
public sealed record ApprovalDecision
{
    /// <summary>The decision.</summary>
    [Id(0)] public ApprovalAction Action { get; init; }
    /// <summary>Who took it.</summary>
    [Id(1)] public required string By { get; init; }
    /// <summary>When.</summary>
    [Id(2)] public DateTimeOffset At { get; init; }
    /// <summary>A comment, or the reason of a rejection.</summary>
    [Id(3)] public string? Comment { get; init; }
}

/// <summary>A decision to apply to a task awaiting approval.</summary>
[GenerateSerializer, Alias("omni.ApprovalRequest")]
public sealed record ApprovalRequest
{
    /// <summary>The decision.</summary>
    [Id(0)] public ApprovalAction Action { get; init; }
    /// <summary>Who takes it (required).</summary>
    [Id(1)] public required string By { get; init; }
    /// <summary>A comment; for a rejection, the reason (required).</summary>
    [Id(2)] public string? Comment { get; init; }
    /// <summary>For a modify: the new JSON payload.</summary>
    [Id(3)] public string? Payload { get; init; }
    /// <summary>For a take-over: the JSON result the person supplies.</summary>
    [Id(4)] public string? Result { get; init; }
}
