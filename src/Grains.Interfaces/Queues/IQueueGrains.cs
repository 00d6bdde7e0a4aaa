using OmniActors.Tasks;

namespace OmniActors.Queues;

/// <summary>One partition of a queue (key: <c>queue/index</c>): keeps its ready tasks in memory and pushes them to task grains.</summary>
[Alias("omni.IQueuePartitionGrain")]
public interface IQueuePartitionGrain : IGrainWithStringKey
{
    /// <summary>
    /// A task is ready now or due later. Answers whether it will be dispatched soon: false (a paused queue, a deep
    /// backlog, a due time far off) tells the task grain to deactivate meanwhile, so a million queued tasks cost a
    /// million index entries, not a million activations.
    /// </summary>
    [Alias("Enqueue")] Task<bool> Enqueue(QueueEntry entry);
    /// <summary>A pending task was cancelled.</summary>
    [Alias("Remove")] Task Remove(string taskId);
    /// <summary>Attempt <paramref name="attempt"/> of a running task let go of its slot; <paramref name="requeue"/> puts it back (retry).</summary>
    [Alias("Release")] Task Release(string taskId, int attempt, bool failed, QueueEntry? requeue);
    /// <summary>Stops or restarts dispatching.</summary>
    [Alias("SetPaused")] Task SetPaused(bool paused);
    /// <summary>Its figures.</summary>
    [Alias("GetStats")] Task<PartitionStats> GetStats();
    /// <summary>Activates it (reloading from the task table) if it is not active.</summary>
    [Alias("Wake")] Task Wake();
    /// <summary>
    /// Silos left the cluster (parsable silo addresses): check at once the lease of every running task this partition holds
    /// rather than when it falls due, and reload from the table what the dead silos left behind.
    /// </summary>
    [Alias("SilosDied")] Task SilosDied(IReadOnlyList<string> silos);
    /// <summary>The cluster's silos changed: move to the silo this partition now belongs on, if it is not there.</summary>
    [Alias("Rebalance")] Task Rebalance();

    /// <summary>
    /// The batch path: stores new tasks of this partition in one group commit with their event-log rows and queues them.
    /// An item answers null when its id already exists (the caller asks that task's grain, which knows a replay from a clash).
    /// </summary>
    [Alias("Submit")] Task<IReadOnlyList<SubmitResult?>> Submit(IReadOnlyList<TaskSubmission> submissions);
    /// <summary>The runner of this partition's silo: attempts the partition started have ended. Answered once the outcomes are
    /// stored; a failed store fails the call, and the runner reports again.</summary>
    [Alias("ReportOutcomes")] Task ReportOutcomes(IReadOnlyList<TaskOutcomeReport> reports);
    /// <summary>A task grain waits for the end of <paramref name="taskId"/>: tell it when this partition records that end.</summary>
    [Alias("Watch")] Task Watch(string taskId);
    /// <summary>A running task was cancelled: fire its attempt's token if it runs on this partition's silo.</summary>
    [Alias("CancelRunning")] Task CancelRunning(string taskId, int attempt);
}

/// <summary>A queue as a whole (key: queue name): pause state and figures across its partitions.</summary>
[Alias("omni.IQueueGrain")]
public interface IQueueGrain : IGrainWithStringKey
{
    /// <summary>Stops dispatching on every partition; running tasks finish.</summary>
    [Alias("Pause")] Task Pause();
    /// <summary>Starts dispatching again.</summary>
    [Alias("Resume")] Task Resume();
    /// <summary>Whether it is paused. Interleaves: a partition activated by this grain's own fan-out asks it while it waits.</summary>
    [Orleans.Concurrency.AlwaysInterleave, Alias("IsPaused")] Task<bool> IsPaused();
    /// <summary>Figures summed over the partitions.</summary>
    [Alias("GetStats")] Task<QueueStats> GetStats();
}
