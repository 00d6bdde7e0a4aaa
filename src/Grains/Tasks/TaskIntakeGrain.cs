using Microsoft.Extensions.Options;
using OmniActors.Actions;
using OmniActors.Domain;
using OmniActors.Errors;
using OmniActors.Queues;
using Orleans.Concurrency;

namespace OmniActors.Tasks;

/// <summary>
/// Stateless front door: refuses bad specs before any message, assigns ids, and sends plain tasks (no dependencies, no
/// approval) straight to their queue partitions, one message a partition per batch: the batch path, where no task grain
/// activates. A task that waits on something before it may run goes to its task grain, as does an id that already
/// exists (its grain tells a replay of an idempotency key from a clash).
/// </summary>
/// <remarks>Single enqueues go through <see cref="PartitionSubmitLanes"/>: those that arrive while their partition's last
/// batch is being stored go together in the next one. Reentrant: it holds no state, and without it each worker activation waited for one task's durable write
/// before taking the next call, so single enqueues queued behind each other (bench: ~2x silo CPU per enqueue).</remarks>
[StatelessWorker]
[Reentrant]
internal sealed class TaskIntakeGrain(ActionRegistry actions, TaskGrainReferences references, QueueTopology topology, PartitionSubmitLanes lanes,
    IOptions<TaskOptions> options, TimeProvider time) : Grain, ITaskIntakeGrain
{
    private readonly TaskOptions _options = options.Value;

    public async Task<SubmitResult> Submit(TaskSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (TaskSpecValidator.Validate(spec, _options.Limits, actions.Contains, time.GetUtcNow()) is { } invalid)
        {
            throw invalid;
        }
        var id = TaskIds.For(spec);
        if (!IsPlain(spec))
        {
            return await references.Task(id).Submit(spec);
        }
        var (queue, partition) = PartitionOf(spec, id);
        // Concurrent single enqueues of this silo share their partition's next message (see PartitionSubmitLanes).
        var stored = await lanes.SubmitAsync(queue, partition, new TaskSubmission { TaskId = id, Spec = spec }, SubmitToPartitionAsync);
        return stored ?? await references.Task(id).Submit(spec);
    }

    public async Task<IReadOnlyList<BatchItemResult>> SubmitBatch(IReadOnlyList<TaskSpec> specs)
    {
        ArgumentNullException.ThrowIfNull(specs);
        if (specs.Count > _options.MaxBatchSize)
        {
            throw new TaskValidationException(ErrorCodes.Validation, $"A batch holds at most {_options.MaxBatchSize} tasks; this one has {specs.Count}.");
        }
        var results = new BatchItemResult[specs.Count];
        var now = time.GetUtcNow();
        var pending = new List<Task>();
        var partitions = new Dictionary<(string Queue, int Partition), List<(int Index, TaskSubmission Submission)>>();
        for (var i = 0; i < specs.Count; i++)
        {
            var spec = specs[i];
            if (TaskSpecValidator.Validate(spec, _options.Limits, actions.Contains, now) is { } invalid)
            {
                results[i] = Failed(invalid);
                continue;
            }
            var id = TaskIds.For(spec);
            if (!IsPlain(spec))
            {
                pending.Add(SubmitToGrainAsync(results, i, id, spec));
                continue;
            }
            var key = PartitionOf(spec, id);
            if (!partitions.TryGetValue(key, out var items))
            {
                partitions[key] = items = [];
            }
            items.Add((i, new TaskSubmission { TaskId = id, Spec = spec }));
        }
        foreach (var ((queue, partition), items) in partitions)
        {
            pending.Add(SubmitToPartitionAsync(results, queue, partition, items));
        }
        await Task.WhenAll(pending);
        return results;
    }

    /// <summary>The queue and partition a new task belongs to.</summary>
    private (string Queue, int Partition) PartitionOf(TaskSpec spec, string id)
    {
        var queue = spec.Queue ?? TaskDefaults.DefaultQueue;
        return (queue, topology.PartitionOf(queue, id));
    }

    /// <summary>Plain: runnable as soon as it is due, so the partition alone can take it.</summary>
    private static bool IsPlain(TaskSpec spec) => spec.DependsOn is not { Count: > 0 } && !spec.RequiresApproval;

    private async Task SubmitToPartitionAsync(BatchItemResult[] results, string queue, int partition, List<(int Index, TaskSubmission Submission)> items)
    {
        IReadOnlyList<SubmitResult?> stored;
        try
        {
            stored = await SubmitToPartitionAsync(queue, partition, items.Select(i => i.Submission).ToList());
        }
        catch (Exception ex) when (AsResult(ex) is { } failure)
        {
            foreach (var (index, _) in items)
            {
                results[index] = failure;
            }
            return;
        }
        var existing = new List<Task>();
        for (var i = 0; i < items.Count; i++)
        {
            var (index, submission) = items[i];
            if (stored[i] is { } created)
            {
                results[index] = new BatchItemResult { Result = created };
            }
            else
            {
                existing.Add(SubmitToGrainAsync(results, index, submission.TaskId, submission.Spec));
            }
        }
        await Task.WhenAll(existing);
    }

    /// <summary>
    /// Sends a batch to its partition, again with backoff while the partition's silo is unreachable (it died and the
    /// cluster has not declared it yet, or its activation is moving), for up to <see cref="TaskOptions.UnavailableRetryWindow"/>;
    /// past it the last failure is thrown. A retry after a lost answer finds its own rows:
    /// the task grain then answers each as the existing task it is (an id the intake made up, or the idempotency key's).
    /// </summary>
    private async Task<IReadOnlyList<SubmitResult?>> SubmitToPartitionAsync(string queue, int partition,
        List<TaskSubmission> submissions)
    {
        var deadline = time.GetUtcNow() + _options.UnavailableRetryWindow;
        var delay = TimeSpan.FromMilliseconds(100);
        var retried = false;
        while (true)
        {
            try
            {
                var stored = await references.Partition(queue, partition).Submit(submissions);
                return retried ? await AdoptOwnAsync(stored, submissions) : stored;
            }
            catch (Exception ex) when (ex is Orleans.Runtime.OrleansException or TimeoutException && time.GetUtcNow() + delay < deadline)
            {
                retried = true;
                await Task.Delay(delay, time);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(1).Ticks));
            }
        }
    }

    /// <summary>After a retry, a task without an idempotency key whose id exists is the one the lost attempt stored (the id
    /// is new and random): answer it as created rather than as a clash.</summary>
    private async Task<IReadOnlyList<SubmitResult?>> AdoptOwnAsync(IReadOnlyList<SubmitResult?> stored, List<TaskSubmission> submissions)
    {
        var adopted = stored.ToArray();
        for (var i = 0; i < adopted.Length; i++)
        {
            if (adopted[i] is null && submissions[i].Spec.IdempotencyKey is null && await references.Task(submissions[i].TaskId).Get() is { } own)
            {
                adopted[i] = new SubmitResult { Task = own, Created = true };
            }
        }
        return adopted;
    }

    private async Task SubmitToGrainAsync(BatchItemResult[] results, int index, string id, TaskSpec spec)
    {
        try
        {
            results[index] = new BatchItemResult { Result = await references.Task(id).Submit(spec) };
        }
        catch (Exception ex) when (AsResult(ex) is { } failure)
        {
            results[index] = failure;
        }
    }

    private static BatchItemResult Failed(OmniException ex) => new() { ErrorCode = ex.Code, ErrorMessage = ex.Message };

    /// <summary>An item's failure as its result: ours carry their code; a silo that died under the item (its grain was
    /// there) is reported unavailable: nothing is reported stored, and retrying with the same key is safe.</summary>
    private static BatchItemResult? AsResult(Exception ex) => ex switch
    {
        OmniException omni => Failed(omni),
        Orleans.Runtime.OrleansException or TimeoutException => new BatchItemResult { ErrorCode = ErrorCodes.ClusterUnavailable, ErrorMessage = ex.Message },
        _ => null,
    };
}
