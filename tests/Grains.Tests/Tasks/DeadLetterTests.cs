using OmniActors.Errors;
using OmniActors.Tasks;
using OmniActors.Tests.Support;
using static OmniActors.Tests.Tasks.TaskTestKit;
using TaskStatus = OmniActors.Tasks.TaskStatus;

namespace OmniActors.Tests.Tasks;

/// <summary>Requeueing, purging and listing dead letters through the client.</summary>
public abstract class DeadLetterTests(TaskClusterFixture fixture)
{
    [Fact]
    public async Task A_requeued_dead_letter_runs_again_with_fresh_attempts()
    {
        var queue = UniqueQueue("dlq-one");
        var id = (await DeadLetters(queue, 1))[0];
        Assert.Equal(1, fixture.ExecutionsOf(id));

        var requeued = await fixture.Omni.RequeueDeadLetterAsync(id);
        Assert.Equal(TaskStatus.Queued, requeued.Status);
        Assert.Equal(0, requeued.Attempt);
        Assert.Null(requeued.FinishedAt);

        await Eventually.True(() => fixture.ExecutionsOf(id) == 2, TimeSpan.FromSeconds(10), "the requeued task runs again");
        var again = await fixture.Omni.EndsAs(id, TaskStatus.DeadLettered);
        Assert.Equal(1, again.Attempt);
        Assert.Equal(2, fixture.ExecutionsOf(id));
    }

    [Fact]
    public async Task Requeueing_a_task_that_is_not_dead_lettered_is_a_conflict()
    {
        var id = (await fixture.Omni.EnqueueAsync("test-record", new { ok = true }, UniqueQueue("dlq-live"))).Task.Id;
        await fixture.Omni.EndsAs(id, TaskStatus.Succeeded);

        var ex = await Assert.ThrowsAsync<ConflictException>(() => fixture.Omni.RequeueDeadLetterAsync(id));
        Assert.Equal(ErrorCodes.InvalidTransition, ex.Code);
        Assert.Equal(1, fixture.ExecutionsOf(id));
    }

    [Fact]
    public async Task Requeueing_a_queues_dead_letters_returns_how_many_and_runs_each_again()
    {
        var queue = UniqueQueue("dlq-all");
        var ids = await DeadLetters(queue, 3);

        var count = await fixture.Omni.RequeueDeadLettersAsync(queue);

        Assert.Equal(3, count);
        await Eventually.True(() => ids.All(id => fixture.ExecutionsOf(id) == 2), TimeSpan.FromSeconds(10), "every requeued dead letter runs again");
        foreach (var id in ids)
        {
            Assert.Equal(1, (await fixture.Omni.EndsAs(id, TaskStatus.DeadLettered)).Attempt);
        }
        Assert.Equal(0, await fixture.Omni.RequeueDeadLettersAsync(UniqueQueue("dlq-none")));
    }

    [Fact]
    public async Task A_purged_dead_letter_is_gone()
    {
        var queue = UniqueQueue("dlq-purge");
        var id = (await DeadLetters(queue, 1))[0];

        await fixture.Omni.PurgeDeadLetterAsync(id);

        Assert.Null(await fixture.Omni.GetAsync(id));
        Assert.Equal(0L, await fixture.Database.ScalarAsync("SELECT COUNT(*) FROM omni_tasks WHERE id = @id", ("@id", id)));
        Assert.Empty((await fixture.Omni.ListDeadLettersAsync(queue)).Items);
    }

    [Fact]
    public async Task Purging_a_task_that_is_not_dead_lettered_is_a_conflict_and_keeps_it()
    {
        var id = (await fixture.Omni.EnqueueAsync("test-record", new { keep = true }, UniqueQueue("dlq-keep"))).Task.Id;
        await fixture.Omni.EndsAs(id, TaskStatus.Succeeded);

        var ex = await Assert.ThrowsAsync<ConflictException>(() => fixture.Omni.PurgeDeadLetterAsync(id));

        Assert.Equal(ErrorCodes.InvalidTransition, ex.Code);
        Assert.Equal(TaskStatus.Succeeded, (await fixture.Omni.GetAsync(id))?.Status);
    }

    [Fact]
    public async Task Dead_letters_are_listed_in_pages()
    {
        var queue = UniqueQueue("dlq-list");
        var ids = await DeadLetters(queue, 3);

        var first = await fixture.Omni.ListDeadLettersAsync(queue, limit: 2);
        Assert.Equal(2, first.Items.Count);
        var cursor = Assert.IsType<string>(first.NextCursor);
        var second = await fixture.Omni.ListDeadLettersAsync(queue, limit: 2, cursor: cursor);
        Assert.Single(second.Items);
        Assert.Null(second.NextCursor);

        var listed = first.Items.Concat(second.Items).ToList();
        Assert.All(listed, t => Assert.Equal(TaskStatus.DeadLettered, t.Status));
        Assert.Equal(ids.Order(StringComparer.Ordinal), listed.Select(t => t.Id).Order(StringComparer.Ordinal));
        Assert.Equal(listed.OrderByDescending(t => t.CreatedAt).Select(t => t.CreatedAt), listed.Select(t => t.CreatedAt));
    }

    /// <summary>Makes <paramref name="count"/> dead letters in <paramref name="queue"/> (a permanent failure each).</summary>
    private async Task<IReadOnlyList<string>> DeadLetters(string queue, int count)
    {
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var submitted = await fixture.Omni.EnqueueAsync(new TaskSpec
            {
                Action = "test-fail",
                Payload = """{"permanent":true}""",
                Queue = queue,
                Retry = FastRetry(3),
            });
            ids.Add(submitted.Task.Id);
        }
        foreach (var id in ids)
        {
            Assert.Equal(1, (await fixture.Omni.EndsAs(id, TaskStatus.DeadLettered)).Attempt);
        }
        return ids;
    }
}

[Collection(SqliteClusterCollection.Name)]
public sealed class SqliteDeadLetterTests(SqliteTaskCluster fixture) : DeadLetterTests(fixture);

[Collection(PostgresClusterCollection.Name)]
public sealed class PostgresDeadLetterTests(PostgresTaskCluster fixture) : DeadLetterTests(fixture);
