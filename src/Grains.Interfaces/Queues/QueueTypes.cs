namespace OmniActors.Queues;

/// <summary>A task as its queue partition sees it: enough to order and dispatch it.</summary>
[GenerateSerializer, Immutable, Alias("omni.QueueEntry")]
public sealed record QueueEntry
{
    /// <summary>The entry of <paramref name="task"/>.</summary>
    public static QueueEntry Of(Tasks.TaskInfo task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return new QueueEntry { TaskId = task.Id, Priority = task.Priority, DueAt = task.DueAt };
    }

    /// <summary>Task id.</summary>
    [Id(0)] public required string TaskId { get; init; }
    /// <summary>Priority, higher first.</summary>
    [Id(1)] public int Priority { get; init; }
    /// <summary>Not before this instant; null means now.</summary>
    [Id(2)] public DateTimeOffset? DueAt { get; init; }
}

/// <summary>Live figures of one queue (summed over its partitions).</summary>
[GenerateSerializer, Alias("omni.QueueStats")]
public sealed record QueueStats
{
    /// <summary>Queue name.</summary>
    [Id(0)] public required string Queue { get; init; }
    /// <summary>Paused queues dispatch nothing.</summary>
    [Id(1)] public bool Paused { get; init; }
    /// <summary>Tasks ready to run now.</summary>
    [Id(2)] public int Ready { get; init; }
    /// <summary>Tasks due later (delayed or backing off).</summary>
    [Id(3)] public int Scheduled { get; init; }
    /// <summary>Tasks executing.</summary>
    [Id(4)] public int Running { get; init; }
    /// <summary>Cluster-wide concurrency limit.</summary>
    [Id(5)] public int Concurrency { get; init; }
    /// <summary>Partitions the queue is split into.</summary>
    [Id(6)] public int Partitions { get; init; }
    /// <summary>Attempts that succeeded since the partitions activated.</summary>
    [Id(7)] public long Succeeded { get; init; }
    /// <summary>Attempts that failed since the partitions activated.</summary>
    [Id(8)] public long Failed { get; init; }
    /// <summary>Attempts finished (any outcome) in the last minute.</summary>
    [Id(9)] public int ThroughputPerMinute { get; init; }
    /// <summary>Share of attempts in the last minute that failed, 0 to 1.</summary>
    [Id(10)] public double FailureRate { get; init; }

    /// <summary>Ready plus scheduled.</summary>
    public int Depth => Ready + Scheduled;
}

/// <summary>Figures of one partition.</summary>
[GenerateSerializer, Alias("omni.PartitionStats")]
public sealed record PartitionStats
{
    /// <summary>Ready to run now.</summary>
    [Id(0)] public int Ready { get; init; }
    /// <summary>Due later.</summary>
    [Id(1)] public int Scheduled { get; init; }
    /// <summary>Executing.</summary>
    [Id(2)] public int Running { get; init; }
    /// <summary>Slots this partition may use.</summary>
    [Id(3)] public int Share { get; init; }
    /// <summary>Succeeded attempts since activation.</summary>
    [Id(4)] public long Succeeded { get; init; }
    /// <summary>Failed attempts since activation.</summary>
    [Id(5)] public long Failed { get; init; }
    /// <summary>Finished attempts in the last minute.</summary>
    [Id(6)] public int RecentFinished { get; init; }
    /// <summary>Failed attempts in the last minute.</summary>
    [Id(7)] public int RecentFailed { get; init; }
    /// <summary>Paused.</summary>
    [Id(8)] public bool Paused { get; init; }
}

/// <summary>What happened when a partition asked a task to start.</summary>
public enum StartKind
{
    /// <summary>An attempt is running.</summary>
    Started = 0,
    /// <summary>The task is not runnable now (finished, cancelled, or due later: see <see cref="StartResult.DueAt"/>).</summary>
    NotRunnable = 1,
    /// <summary>The silo hosting the task is shutting down and takes no work; try again later.</summary>
    Refused = 2,
    /// <summary>An attempt already runs (an earlier start whose answer was lost): keep the slot and check its lease.</summary>
    AlreadyRunning = 3,
}

/// <summary>The answer to a start request.</summary>
[GenerateSerializer, Immutable, Alias("omni.StartResult")]
public sealed record StartResult
{
    /// <summary>What happened.</summary>
    [Id(0)] public StartKind Kind { get; init; }
    /// <summary>The attempt started.</summary>
    [Id(1)] public int Attempt { get; init; }
    /// <summary>For a task not yet due (or held by its action's breaker): when to try it again.</summary>
    [Id(2)] public DateTimeOffset? DueAt { get; init; }
    /// <summary>For a task handed back with <see cref="DueAt"/>: its priority, so it keeps its place.</summary>
    [Id(3)] public int Priority { get; init; }
}

/// <summary>A running task's lease as its task grain sees it.</summary>
[GenerateSerializer, Immutable, Alias("omni.LeaseStatus")]
public sealed record LeaseStatus
{
    /// <summary>True while attempt <see cref="Attempt"/> still runs and holds its slot.</summary>
    [Id(0)] public bool Holding { get; init; }
    /// <summary>The attempt the answer is about.</summary>
    [Id(1)] public int Attempt { get; init; }
    /// <summary>When to check again while holding.</summary>
    [Id(2)] public DateTimeOffset? NextCheckAt { get; init; }
    /// <summary>When the lease was expired and the task retries: its new queue entry.</summary>
    [Id(3)] public QueueEntry? Requeue { get; init; }
}

/// <summary>A new task for the batch path: its id (already assigned) and its validated spec.</summary>
[GenerateSerializer, Immutable, Alias("omni.TaskSubmission")]
public sealed record TaskSubmission
{
    /// <summary>The task's id; its partition is the hash of it.</summary>
    [Id(0)] public required string TaskId { get; init; }
    /// <summary>What to run.</summary>
    [Id(1)] public required Tasks.TaskSpec Spec { get; init; }
}

/// <summary>How one attempt run by the batch path ended, reported to the partition that started it.</summary>
[GenerateSerializer, Immutable, Alias("omni.TaskOutcomeReport")]
public sealed record TaskOutcomeReport
{
    /// <summary>The task.</summary>
    [Id(0)] public required string TaskId { get; init; }
    /// <summary>How its attempt ended.</summary>
    [Id(1)] public required Tasks.AttemptOutcome Outcome { get; init; }
}
