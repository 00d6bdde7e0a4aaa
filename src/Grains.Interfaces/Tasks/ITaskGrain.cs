using OmniActors.Queues;
using Orleans.Concurrency;

namespace OmniActors.Tasks;

/// <summary>One task (key: task id): owns its state machine and persists every transition before returning.</summary>
[Alias("omni.ITaskGrain")]
public interface ITaskGrain : IGrainWithStringKey
{
    /// <summary>Accepts the task (or, for a repeated idempotency key, returns the existing one).</summary>
    [Alias("Submit")] Task<SubmitResult> Submit(TaskSpec spec);
    /// <summary>The task, or null if no task has this id.</summary>
    [Alias("Get")] Task<TaskInfo?> Get();
    /// <summary>Returns once the task is terminal or <paramref name="maxWait"/> passed (then the current state).</summary>
    [AlwaysInterleave, Alias("WaitForEnd")] Task<TaskInfo?> WaitForEnd(TimeSpan maxWait);
    /// <summary>Cancels a pending or running task; a running handler's token fires.</summary>
    [Alias("Cancel")] Task<TaskInfo> Cancel(string? reason);
    /// <summary>Moves a dead-lettered task back to its queue with fresh attempts.</summary>
    [Alias("Requeue")] Task<TaskInfo> Requeue();
    /// <summary>Deletes a dead-lettered task for good.</summary>
    [Alias("Purge")] Task Purge();

    /// <summary>Queue partition: start an attempt now. False when the task is no longer runnable.</summary>
    [Alias("Start")] Task<bool> Start();
    /// <summary>Runner: an attempt ended.</summary>
    [Alias("ReportOutcome")] Task ReportOutcome(AttemptOutcome outcome);
    /// <summary>Runner: the attempt is alive, extend its lease. False if the attempt is no longer current.</summary>
    [Alias("Heartbeat")] Task<bool> Heartbeat(int attempt);
    /// <summary>Queue partition: check a running task's lease; returns when to check again, or null when it no longer holds a slot.</summary>
    [Alias("CheckLease")] Task<DateTimeOffset?> CheckLease();
}

/// <summary>Front door for submissions (stateless, scales out): assigns ids and fans batches out to task grains.</summary>
[Alias("omni.ITaskIntakeGrain")]
public interface ITaskIntakeGrain : IGrainWithIntegerKey
{
    /// <summary>Submits one task.</summary>
    [Alias("Submit")] Task<SubmitResult> Submit(TaskSpec spec);
    /// <summary>Submits many; each item succeeds or fails on its own.</summary>
    [Alias("SubmitBatch")] Task<IReadOnlyList<BatchItemResult>> SubmitBatch(IReadOnlyList<TaskSpec> specs);
}

/// <summary>Queries and bulk operations over the task table (stateless).</summary>
[Alias("omni.ITaskQueryGrain")]
public interface ITaskQueryGrain : IGrainWithIntegerKey
{
    /// <summary>A page of tasks.</summary>
    [Alias("List")] Task<TaskPage> List(TaskQuery query);
    /// <summary>Known queue names.</summary>
    [Alias("ListQueues")] Task<IReadOnlyList<string>> ListQueues();
    /// <summary>Requeues every dead letter (of one queue, or all); returns how many.</summary>
    [Alias("RequeueDeadLetters")] Task<int> RequeueDeadLetters(string? queue);
    /// <summary>Deletes every dead letter (of one queue, or all); returns how many.</summary>
    [Alias("PurgeDeadLetters")] Task<int> PurgeDeadLetters(string? queue);
}

/// <summary>One partition of a queue (key: <c>queue/index</c>): keeps its ready tasks in memory and pushes them to task grains.</summary>
[Alias("omni.IQueuePartitionGrain")]
public interface IQueuePartitionGrain : IGrainWithStringKey
{
    /// <summary>A task is ready now or due later.</summary>
    [Alias("Enqueue")] Task Enqueue(QueueEntry entry);
    /// <summary>A pending task was cancelled.</summary>
    [Alias("Remove")] Task Remove(string taskId);
    /// <summary>A running task let go of its slot; <paramref name="requeue"/> puts it back (retry).</summary>
    [Alias("Release")] Task Release(string taskId, bool failed, QueueEntry? requeue);
    /// <summary>Stops or restarts dispatching.</summary>
    [Alias("SetPaused")] Task SetPaused(bool paused);
    /// <summary>Its figures.</summary>
    [Alias("GetStats")] Task<PartitionStats> GetStats();
    /// <summary>Activates it (reloading from the task table) if it is not active.</summary>
    [Alias("Wake")] Task Wake();
}

/// <summary>A queue as a whole (key: queue name): pause state and figures across its partitions.</summary>
[Alias("omni.IQueueGrain")]
public interface IQueueGrain : IGrainWithStringKey
{
    /// <summary>Stops dispatching on every partition; running tasks finish.</summary>
    [Alias("Pause")] Task Pause();
    /// <summary>Starts dispatching again.</summary>
    [Alias("Resume")] Task Resume();
    /// <summary>Whether it is paused.</summary>
    [Alias("IsPaused")] Task<bool> IsPaused();
    /// <summary>Figures summed over the partitions.</summary>
    [Alias("GetStats")] Task<QueueStats> GetStats();
}
