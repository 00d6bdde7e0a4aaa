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

    /// <summary>A person's decision on a task awaiting approval; a task in any other state is a conflict and stays as it is.</summary>
    [Alias("Decide")] Task<TaskInfo> Decide(ApprovalRequest request);

    /// <summary>Dependent task: remember to wake <paramref name="dependentId"/> when this one ends; returns this task's
    /// state (null when it does not exist), read in the same turn, so an ending can never slip between the two.</summary>
    [Alias("WatchDependent")] Task<TaskStatus?> WatchDependent(string dependentId);
    /// <summary>A dependency ended (or the recovery sweep asks): re-evaluate the dependencies of a waiting task.
    /// With <paramref name="watch"/>, register with each dependency again (after a crash it may not know us).</summary>
    [Alias("CheckDependencies")] Task CheckDependencies(bool watch);

    /// <summary>Queue partition: start an attempt now.</summary>
    [Alias("Start")] Task<StartResult> Start();
    /// <summary>Runner: an attempt ended.</summary>
    [Alias("ReportOutcome")] Task ReportOutcome(AttemptOutcome outcome);
    /// <summary>Runner: the attempt is alive, extend its lease. False if the attempt is no longer current.</summary>
    [Alias("Heartbeat")] Task<bool> Heartbeat(int attempt);
    /// <summary>Queue partition: check a running task's lease (expiring it when its holder is gone).</summary>
    [Alias("CheckLease")] Task<LeaseStatus> CheckLease();
    /// <summary>Queue partition: the task this grain waits on ended (the batch path recorded it).</summary>
    [AlwaysInterleave, OneWay, Alias("Ended")] Task Ended();
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
