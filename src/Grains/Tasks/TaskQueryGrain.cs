using OmniActors.Errors;
using OmniActors.Queues;
using OmniActors.Storage;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using TaskStatus = OmniActors.Tasks.TaskStatus;

namespace OmniActors.Tasks;

/// <summary>Stateless reads of the task table and bulk dead-letter operations (each task changed through its own grain).</summary>
[StatelessWorker]
[Reentrant] // stateless: a slow store read must not hold the next query
internal sealed class TaskQueryGrain(ITaskStore store, IOptions<QueueOptions> queues) : Grain, ITaskQueryGrain
{
    private const int Page = 500;

    public Task<TaskPage> List(TaskQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Limit is < 1 or > 500)
        {
            throw new TaskValidationException($"limit must be between 1 and 500, not {query.Limit}.");
        }
        return store.ListAsync(query);
    }

    public async Task<IReadOnlyList<string>> ListQueues()
    {
        var stored = await store.ListQueuesAsync();
        return stored.Concat(queues.Value.Items.Keys).Append(Domain.TaskDefaults.DefaultQueue)
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
    }

    public Task<int> RequeueDeadLetters(string? queue) => ForEachDeadLetter(queue, id => GrainFactory.GetGrain<ITaskGrain>(id).Requeue());

    public Task<int> PurgeDeadLetters(string? queue) => ForEachDeadLetter(queue, id => GrainFactory.GetGrain<ITaskGrain>(id).Purge());

    private async Task<int> ForEachDeadLetter(string? queue, Func<string, Task> action)
    {
        var done = 0;
        string? after = null;
        while (true)
        {
            var ids = await store.ListIdsAsync(queue, TaskStatus.DeadLettered, Page, after);
            if (ids.Count == 0)
            {
                return done;
            }
            var results = await Task.WhenAll(ids.Select(async id =>
            {
                try
                {
                    await action(id);
                    return 1;
                }
                catch (ConflictException)
                {
                    return 0; // Changed meanwhile (requeued or purged by someone else).
                }
            }));
            done += results.Sum();
            after = ids[^1];
        }
    }
}
