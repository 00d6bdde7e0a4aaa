using OmniActors.Lifecycle;
using OmniActors.Tasks;
using TaskStatus = OmniActors.Tasks.TaskStatus;

namespace OmniActors.Storage;

/// <summary>
/// The task table. Writes are optimistic (the row's version must match) and are gathered from many grains
/// into one transaction (group commit); a write's task completes only once its transaction has committed.
/// </summary>
public interface ITaskStore
{
    /// <summary>The row, or null.</summary>
    Task<TaskInfo?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Inserts (Version 0) or updates (Version matches the stored one) a task; returns the new version.</summary>
    Task<long> SaveAsync(TaskInfo state, CancellationToken cancellationToken = default);

    /// <summary>The rows of those ids that exist (any order).</summary>
    Task<IReadOnlyList<TaskInfo>> GetManyAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken = default);

    /// <summary>The tasks of a workflow, oldest first.</summary>
    Task<IReadOnlyList<TaskInfo>> ListWorkflowAsync(string workflowId, CancellationToken cancellationToken = default);

    /// <summary>As <see cref="SaveAsync(TaskInfo, CancellationToken)"/>, appending the transition's events to the event log in the same transaction.</summary>
    Task<long> SaveAsync(TaskInfo state, IReadOnlyList<LifecycleEvent> events, CancellationToken cancellationToken = default) =>
        SaveAsync(state, cancellationToken);

    /// <summary>Deletes a task whose stored version matches.</summary>
    Task DeleteAsync(string id, long expectedVersion, CancellationToken cancellationToken = default);

    /// <summary>A partition's scheduled, queued, retrying and running tasks.</summary>
    Task<IReadOnlyList<TaskInfo>> LoadPartitionAsync(string queue, int partition, CancellationToken cancellationToken = default);

    /// <summary>Moves pending tasks (scheduled, queued, retrying) to another partition of their queue, each only if its
    /// stored version is the one given (the move bumps it); returns the rows moved, with their new partition and version.
    /// A row that changed meanwhile or is no longer pending stays where it is.</summary>
    Task<IReadOnlyList<TaskInfo>> MovePartitionAsync(IReadOnlyList<(TaskInfo Row, int Partition)> moves, CancellationToken cancellationToken = default);

    /// <summary>Partitions that hold pending or running tasks (recovery wakes them at start).</summary>
    Task<IReadOnlyList<(string Queue, int Partition)>> ActivePartitionsAsync(CancellationToken cancellationToken = default);

    /// <summary>A page of tasks, newest first.</summary>
    Task<TaskPage> ListAsync(TaskQuery query, CancellationToken cancellationToken = default);

    /// <summary>Ids in a state (of one queue or all), oldest first, after <paramref name="afterId"/>, for bulk operations.</summary>
    Task<IReadOnlyList<string>> ListIdsAsync(string? queue, TaskStatus status, int limit, string? afterId, CancellationToken cancellationToken = default);

    /// <summary>Distinct queue names in the table.</summary>
    Task<IReadOnlyList<string>> ListQueuesAsync(CancellationToken cancellationToken = default);

    /// <summary>Deletes at most <paramref name="batchSize"/> succeeded, cancelled or rejected tasks that ended before
    /// <paramref name="finishedBefore"/>; returns how many.</summary>
    Task<int> DeleteFinishedAsync(DateTimeOffset finishedBefore, int batchSize, CancellationToken cancellationToken = default);

    /// <summary>Drops results whose TTL passed, at most <paramref name="batchSize"/>; returns how many.</summary>
    Task<int> ClearExpiredResultsAsync(DateTimeOffset now, int batchSize, CancellationToken cancellationToken = default);
}
