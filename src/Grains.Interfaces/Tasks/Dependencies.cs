namespace OmniActors.Tasks;

/// <summary>When a task with dependencies may run. Values are stored as text; never rename one.</summary>
public enum DependencyCondition
{
    /// <summary>Once every dependency succeeded (a plain dependency, or a continuation on success).</summary>
    AllSucceeded = 0,
    /// <summary>Once every dependency ended and at least one did not succeed (a continuation on failure).</summary>
    AnyFailed = 1,
    /// <summary>Once every dependency ended, however (a continuation on any end).</summary>
    AllEnded = 2,
}

/// <summary>What a dependency that ended without success does to a task that needed it to succeed.</summary>
public enum DependencyFailurePolicy
{
    /// <summary>The task fails: dead-lettered with a <c>DependencyFailed</c> error.</summary>
    Fail = 0,
    /// <summary>The task is cancelled, the reason naming the dependency.</summary>
    Cancel = 1,
}

/// <summary>How one dependency ended, as its dependent's handler sees it.</summary>
[GenerateSerializer, Alias("omni.DependencyResult")]
public sealed record DependencyResult
{
    /// <summary>The dependency's task id.</summary>
    [Id(0)] public required string TaskId { get; init; }
    /// <summary>Its node key when both are in one workflow.</summary>
    [Id(1)] public string? WorkflowKey { get; init; }
    /// <summary>How it ended.</summary>
    [Id(2)] public TaskStatus Status { get; init; }
    /// <summary>Its JSON result (null when it failed or the result expired).</summary>
    [Id(3)] public string? Result { get; init; }
}
