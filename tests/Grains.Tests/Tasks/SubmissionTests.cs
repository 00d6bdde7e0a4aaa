using OmniActors.Storage;
using Microsoft.Extensions.DependencyInjection;
using OmniActors.Errors;
using OmniActors.Storage.Sqlite;
using OmniActors.Tasks;
using OmniActors.Tests.Support;
using static OmniActors.Tests.Tasks.TaskTestKit;
using TaskStatus = OmniActors.Tasks.TaskStatus;

namespace OmniActors.Tests.Tasks;

/// <summary>Enqueueing: idempotency, batches, durability before the answer, and how long results are kept.</summary>
public abstract class SubmissionTests(TaskClusterFixture fixture)
{
    [Fact]
    public async Task Concurrent_enqueues_with_one_idempotency_key_create_one_task_that_runs_once()
    {
        var key = "order-" + Guid.NewGuid().ToString("N");
        var spec = new TaskSpec { Action = "test-record", Payload = """{"order":42}""", Queue = UniqueQueue("idem"), IdempotencyKey = key };

        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => fixture.Omni.EnqueueAsync(spec)));

        Assert.Single(results, r => r.Created);
        var id = Assert.Single(results.Select(r => r.Task.Id).Distinct());
        Assert.Equal(TaskIds.FromIdempotencyKey(key), id);
        await fixture.Omni.EndsAs(id, TaskStatus.Succeeded);
        Assert.Equal(1, fixture.ExecutionsOf(id));
        Assert.Equal(1L, await fixture.Database.ScalarAsync("SELECT COUNT(*) FROM omni_tasks WHERE idempotency_key = @key", ("@key", key)));

        var replay = await fixture.Omni.EnqueueAsync(spec);
        Assert.False(replay.Created);
        Assert.Equal(id, replay.Task.Id);
        Assert.Equal(TaskStatus.Succeeded, replay.Task.Status);
        Assert.Equal(1, fixture.ExecutionsOf(id));
    }

    [Fact]
    public async Task Concurrent_single_enqueues_share_their_partitions_messages_and_each_task_is_created_and_runs_once()
    {
        var queue = UniqueQueue("lanes");
        var lanes = fixture.Cluster.Silos[0].SiloHost.Services.GetRequiredService<PartitionSubmitLanes>();
        var (batches, submissions) = (lanes.Batches, lanes.Submissions);

        var results = await Task.WhenAll(Enumerable.Range(0, 200)
            .Select(i => fixture.Omni.EnqueueAsync("test-record", new { seq = i }, queue)));

        Assert.All(results, r => Assert.True(r.Created));
        var ids = results.Select(r => r.Task.Id).ToList();
        Assert.Equal(200, ids.Distinct().Count());
        Assert.Equal(200L, lanes.Submissions - submissions);
        // 200 calls at once against 4 partitions: those that arrive while a partition's batch is stored go together.
        Assert.True(lanes.Batches - batches < 200, $"{lanes.Batches - batches} partition calls for 200 concurrent enqueues");
        foreach (var id in ids)
        {
            await fixture.Omni.EndsAs(id, TaskStatus.Succeeded);
        }
        Assert.All(ids, id => Assert.Equal(1, fixture.ExecutionsOf(id)));
        Assert.Equal(200L, await fixture.Database.ScalarAsync("SELECT COUNT(*) FROM omni_tasks WHERE queue = @q", ("@q", queue)));
    }

    [Fact]
    public async Task Reusing_an_idempotency_key_with_another_payload_is_a_conflict_and_keeps_the_original()
    {
        var key = "order-" + Guid.NewGuid().ToString("N");
        var queue = UniqueQueue("idem-conflict");
        var original = await fixture.Omni.EnqueueAsync(new TaskSpec { Action = "test-record", Payload = """{"order":1}""", Queue = queue, IdempotencyKey = key });
        await fixture.Omni.EndsAs(original.Task.Id, TaskStatus.Succeeded);

        var ex = await Assert.ThrowsAsync<ConflictException>(() =>
            fixture.Omni.EnqueueAsync(new TaskSpec { Action = "test-record", Payload = """{"order":2}""", Queue = queue, IdempotencyKey = key }));

        Assert.Equal(ErrorCodes.IdempotencyConflict, ex.Code);
        var stored = Present(await fixture.Omni.GetAsync(original.Task.Id));
        Assert.Equal("""{"order":1}""", stored.Payload);
        Assert.Equal(TaskStatus.Succeeded, stored.Status);
        Assert.Equal("""{"order":1}""", stored.Result);
        Assert.Equal(1, fixture.ExecutionsOf(original.Task.Id));
    }

    [Fact]
    public async Task Only_a_task_with_an_idempotency_key_stores_its_spec_fingerprint()
    {
        var queue = UniqueQueue("fingerprint");
        var keyed = await fixture.Omni.EnqueueAsync(new TaskSpec
            { Action = "test-record", Payload = "{}", Queue = queue, IdempotencyKey = "fp-" + Guid.NewGuid().ToString("N") });
        var keyless = await fixture.Omni.EnqueueAsync(new TaskSpec { Action = "test-record", Payload = "{}", Queue = queue });

        // The fingerprint only tells a replay of a key from a conflicting reuse; a task without a key is never replayed.
        Assert.Equal(1L, await fixture.Database.ScalarAsync("SELECT COUNT(*) FROM omni_tasks WHERE id = @id AND spec_hash IS NOT NULL", ("@id", keyed.Task.Id)));
        Assert.Equal(1L, await fixture.Database.ScalarAsync("SELECT COUNT(*) FROM omni_tasks WHERE id = @id AND spec_hash IS NULL", ("@id", keyless.Task.Id)));
        await fixture.Omni.EndsAs(keyless.Task.Id, TaskStatus.Succeeded);
    }

    [Fact]
    public async Task A_batch_accepts_valid_items_and_refuses_invalid_ones_item_by_item()
    {
        var queue = UniqueQueue("batch");
        TaskSpec[] specs =
        [
            new() { Action = "test-record", Payload = """{"n":1}""", Queue = queue },
            new() { Action = "no-such-action", Payload = "{}", Queue = queue },
            new() { Action = "test-record", Payload = "{not json", Queue = queue },
            new() { Action = "test-record", Payload = """{"n":2}""", Queue = queue },
        ];

        var results = await fixture.Omni.EnqueueBatchAsync(specs);

        Assert.Equal(4, results.Count);
        Assert.Null(results[1].Result);
        Assert.Equal(ErrorCodes.UnknownAction, results[1].ErrorCode);
        Assert.False(string.IsNullOrEmpty(results[1].ErrorMessage));
        Assert.Null(results[2].Result);
        Assert.Equal(ErrorCodes.MalformedPayload, results[2].ErrorCode);
        foreach (var (item, payload) in new[] { (results[0], """{"n":1}"""), (results[3], """{"n":2}""") })
        {
            Assert.Null(item.ErrorCode);
            var accepted = Present(item.Result);
            Assert.True(accepted.Created);
            var done = await fixture.Omni.EndsAs(accepted.Task.Id, TaskStatus.Succeeded);
            Assert.Equal(payload, done.Result);
        }
        Assert.Equal(2L, await fixture.Database.ScalarAsync("SELECT COUNT(*) FROM omni_tasks WHERE queue = @queue", ("@queue", queue)));
    }

    [Fact]
    public async Task An_enqueued_task_is_in_the_database_before_enqueue_returns()
    {
        var queue = UniqueQueue("durable");
        await fixture.WakePartitions(queue);
        await fixture.PauseQueue(queue);

        var id = (await fixture.Omni.EnqueueAsync("test-record", new { durable = true }, queue)).Task.Id;
        Assert.Equal("queued", await StatusInDatabase(id));

        var delayed = await fixture.Omni.EnqueueAsync(new TaskSpec { Action = "test-record", Queue = queue, Delay = TimeSpan.FromMinutes(5) });
        Assert.Equal("scheduled", await StatusInDatabase(delayed.Task.Id));

        await fixture.Omni.CancelAsync(id);
        Assert.Equal("cancelled", await StatusInDatabase(id));
        await fixture.Omni.CancelAsync(delayed.Task.Id);
        Assert.Equal("cancelled", await StatusInDatabase(delayed.Task.Id));
        await fixture.ResumeQueue(queue);
    }

    [Fact]
    public async Task A_result_is_dropped_after_its_ttl_while_the_task_stays_succeeded()
    {
        var submitted = await fixture.Omni.EnqueueAsync(new TaskSpec
        {
            Action = "test-record",
            Payload = """{"v":1}""",
            Queue = UniqueQueue("ttl"),
            ResultTtl = TimeSpan.FromMilliseconds(300),
        });
        var id = submitted.Task.Id;

        var done = await fixture.Omni.EndsAs(id, TaskStatus.Succeeded);
        Assert.Equal("""{"v":1}""", done.Result);
        Assert.Equal(done.FinishedAt + TimeSpan.FromMilliseconds(300), done.ResultExpiresAt);

        var expired = await Eventually.Until(() => fixture.Omni.GetAsync(id), t => t?.Result is null, TimeSpan.FromSeconds(5), "the result expires");
        Assert.Equal(TaskStatus.Succeeded, expired?.Status);
        // The sweeper (every second in the fixture) also clears it from the row.
        await Eventually.Until(() => fixture.Database.ScalarAsync("SELECT result FROM omni_tasks WHERE id = @id", ("@id", id)),
            r => r is null, TimeSpan.FromSeconds(10), "the sweeper clears the stored result");
        Assert.Equal("succeeded", await StatusInDatabase(id));
    }

    private async Task<string?> StatusInDatabase(string id) =>
        (string?)await fixture.Database.ScalarAsync("SELECT status FROM omni_tasks WHERE id = @id", ("@id", id));
}

[Collection(SqliteClusterCollection.Name)]
public sealed class SqliteSubmissionTests(SqliteTaskCluster fixture) : SubmissionTests(fixture);

[Collection(PostgresClusterCollection.Name)]
public sealed class PostgresSubmissionTests(PostgresTaskCluster fixture) : SubmissionTests(fixture);
