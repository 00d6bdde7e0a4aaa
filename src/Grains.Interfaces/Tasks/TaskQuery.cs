namespace OmniActors.Tasks;

/// <summary>A page request over the task table, newest first.</summary>
[GenerateSerializer, Alias("omni.TaskQuery")]
public sealed record TaskQuery
{
    /// <summary>Only this queue.</summary>
    [Id(0)] public string? Queue { get; init; }
    /// <summary>Only this state.</summary>
    [Id(1)] public TaskStatus? Status { get; init; }
    /// <summary>Page size (1 to 500).</summary>
    [Id(2)] public int Limit { get; init; } = 50;
    /// <summary>Opaque cursor from the previous page.</summary>
    [Id(3)] public string? Cursor { get; init; }
}

/// <summary>One page of tasks.</summary>
[GenerateSerializer, Alias("omni.TaskPage")]
public sealed record TaskPage
{
    /// <summary>The tasks, newest first.</summary>
    [Id(0)] public required IReadOnlyList<TaskInfo> Items { get; init; }
    /// <summary>Pass to get the next page; null on the last one.</summary>
    [Id(1)] public string? NextCursor { get; init; }
}
