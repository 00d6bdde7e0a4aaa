using System.Globalization;
using Microsoft.Extensions.Options;
using OmniActors.Client;
using OmniActors.Queues;
using OmniActors.Tasks;
using OmniActors.Tests.Storage;
using OmniActors.Tests.Support;
using Orleans.TestingHost;
using static OmniActors.Tests.Tasks.TaskTestKit;
using TaskStatus = OmniActors.Tasks.TaskStatus;

namespace OmniActors.Tests.Tasks;

/// <summary>
/// A queue's partition count changed between two runs of the silo on one database, with tasks still queued: each task
/// must end up in the partition it belongs to under the new count, the queue's limit must hold throughout, and nothing
/// may be lost or run twice.
/// </summary>
public abstract class PartitionCountChangeTests(Func<TempDatabase> newDatabase)
{
    private const int TaskCount = 40;

    [Fact]
    public Task Lowering_the_partition_count_keeps_the_queue_limit_and_runs_every_task_queued_before_it() =>
        ChangeAsync(partitionsBefore: 4, partitionsAfter: 1, concurrencyAfter: 2);

    [Fact]
    public Task Raising_the_partition_count_spreads_the_tasks_queued_before_it_over_the_new_partitions() =>
        ChangeAsync(partitionsBefore: 1, partitionsAfter: 4, concurrencyAfter: 4);

    [Fact]
    public async Task A_partition_beyond_the_count_hands_the_tasks_it_is_given_to_the_partition_they_belong_to()
    {
        // What a task grain holding a row from before the change, or a lease that expired, does: it addresses the
        // partition the row names, which no longer runs anything.
        await using var database = newDatabase();
        var storage = await TestStorage.PrepareAsync(database);
        var queue = UniqueQueue("retired");
        var probe = new Probe();
        await using var cluster = await DeployAsync(storage, queue, partitions: 1, concurrency: 2, probe);
        var omni = new OmniClient(cluster.Client);
        await omni.PauseQueueAsync(queue);
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await omni.EnqueueAsync("test-record", new { seq = i }, queue)).Task.Id);
        }
        var home = cluster.Client.GetGrain<IQueuePartitionGrain>(QueueTopology.PartitionKey(queue, 0));
        var retired = cluster.Client.GetGrain<IQueuePartitionGrain>(QueueTopology.PartitionKey(queue, 3));
        await retired.Wake();
        foreach (var id in ids)
        {
            await home.Remove(id);
            Assert.Equal(1, await database.ExecuteAsync("UPDATE omni_tasks SET partition = 3 WHERE id = @id", ("@id", id)));
        }

        // All at once: tasks that arrive while the partition is moving earlier ones must get a pass of their own.
        await Task.WhenAll(ids.Select(id => retired.Enqueue(new QueueEntry { TaskId = id })));
        await omni.ResumeQueueAsync(queue);

        foreach (var id in ids)
        {
            await omni.EndsAs(id, TaskStatus.Succeeded);
        }
        var partitions = await PartitionsOfAsync(database, queue);
        Assert.All(ids, id => Assert.Equal(1, probe.Executions.GetValueOrDefault(id)));
        Assert.All(ids, id => Assert.Equal(0, partitions[id]));
        Assert.Equal(0, (await retired.GetStats()).Share);
    }

    private async Task ChangeAsync(int partitionsBefore, int partitionsAfter, int concurrencyAfter)
    {
        await using var database = newDatabase();
        var storage = await TestStorage.PrepareAsync(database);
        var queue = UniqueQueue("repartition");
        var probe = new Probe();
        List<string> ids;

        await using (var before = await DeployAsync(storage, queue, partitionsBefore, concurrency: 4, probe))
        {
            var omni = new OmniClient(before.Client);
            await omni.PauseQueueAsync(queue);
            var specs = Enumerable.Range(0, TaskCount)
                .Select(i => new TaskSpec { Action = "test-record", Queue = queue, Payload = $$"""{"seq":{{i}},"holdMs":20}""" })
                .ToList();
            var results = await omni.EnqueueBatchAsync(specs);
            ids = [.. results.Select(r => Present(r.Result).Task.Id)];
            var stored = await PartitionsOfAsync(database, queue);
            Assert.Equal(TaskCount, stored.Count);
            Assert.Equal(partitionsBefore, stored.Values.Distinct().Count());
        }

        await using (var after = await DeployAsync(storage, queue, partitionsAfter, concurrencyAfter, probe))
        {
            var omni = new OmniClient(after.Client);
            await omni.ResumeQueueAsync(queue);
            foreach (var id in ids)
            {
                await omni.EndsAs(id, TaskStatus.Succeeded);
            }
        }

        Assert.True(probe.MaxConcurrent(queue) <= concurrencyAfter,
            $"{probe.MaxConcurrent(queue)} tasks ran at once in a queue limited to {concurrencyAfter}.");
        Assert.All(ids, id => Assert.Equal(1, probe.Executions.GetValueOrDefault(id)));
        var topology = new QueueTopology(Options.Create(new QueueOptions
        {
            Items = { [queue] = new QueueSettings { Concurrency = concurrencyAfter, Partitions = partitionsAfter } },
        }));
        var partitions = await PartitionsOfAsync(database, queue);
        Assert.All(ids, id => Assert.Equal(topology.PartitionOf(queue, id), partitions[id]));
    }

    private static Task<InProcessTestCluster> DeployAsync(IReadOnlyDictionary<string, string?> storage, string queue,
        int partitions, int concurrency, Probe probe) =>
        TaskClusterFixture.DeployAsync(TaskClusterFixture.CommonSettings.Concat(storage).Concat(new Dictionary<string, string?>
        {
            [$"OmniActors:Queues:Items:{queue}:Partitions"] = partitions.ToString(CultureInfo.InvariantCulture),
            [$"OmniActors:Queues:Items:{queue}:Concurrency"] = concurrency.ToString(CultureInfo.InvariantCulture),
        }), probe);

    private static async Task<Dictionary<string, int>> PartitionsOfAsync(TempDatabase database, string queue) =>
        (await database.RowsAsync("SELECT id, partition FROM omni_tasks WHERE queue = @queue", ("@queue", queue)))
        .ToDictionary(r => (string)r[0]!, r => Convert.ToInt32(r[1], CultureInfo.InvariantCulture), StringComparer.Ordinal);
}

public sealed class SqlitePartitionCountChangeTests() : PartitionCountChangeTests(() => new TempSqliteFile());

public sealed class PostgresPartitionCountChangeTests() : PartitionCountChangeTests(() => new TempPostgresDatabase());
