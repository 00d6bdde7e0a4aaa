using Microsoft.Extensions.DependencyInjection;
using OmniActors.Tasks;
using OmniActors.Tests.Support;
using static OmniActors.Tests.Tasks.TaskTestKit;
using TaskStatus = OmniActors.Tasks.TaskStatus;

namespace OmniActors.Tests.Workflows;

/// <summary>Retention: finished tasks and event-log rows past the retention period are deleted in bounded batches; nothing else is touched.</summary>
public abstract class RetentionTests(TaskClusterFixture fixture)
{
    private static long Count(object? value) => Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task Old_finished_tasks_are_deleted_in_batches_and_live_recent_and_dead_letters_stay()
    {
        var queue = UniqueQueue("retention");
        var old = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var id = (await fixture.Omni.EnqueueAsync("test-record", new { i }, queue)).Task.Id;
            await fixture.Omni.EndsAs(id, TaskStatus.Succeeded);
            old.Add(id);
        }
        var deadLetter = (await fixture.Omni.EnqueueAsync(new TaskSpec { Action = "test-fail", Queue = queue, Retry = FastRetry(1) })).Task.Id;
        await fixture.Omni.EndsAs(deadLetter, TaskStatus.DeadLettered);
        var recent = (await fixture.Omni.EnqueueAsync("test-record", new { recent = true }, queue)).Task.Id;
        await fixture.Omni.EndsAs(recent, TaskStatus.Succeeded);
        var pending = (await fixture.Omni.EnqueueAsync(new TaskSpec { Action = "test-record", Queue = queue, Delay = TimeSpan.FromHours(1) })).Task.Id;
        // Eight days ago, past the default retention of seven: created and finished then. The recent task was created
        // then too (a long delay, say) but finished now, so it stays.
        var longAgo = DateTimeOffset.UtcNow.AddDays(-8).ToUnixTimeMilliseconds();
        await fixture.Database.ExecuteAsync("UPDATE omni_tasks SET created_at = @at WHERE queue = @queue", ("@at", longAgo), ("@queue", queue));
        await fixture.Database.ExecuteAsync("UPDATE omni_tasks SET finished_at = @at WHERE queue = @queue AND id <> @recent AND finished_at IS NOT NULL",
            ("@at", longAgo), ("@queue", queue), ("@recent", recent));

        // The old tasks' events happened then too; the recent one's (enqueued, started, succeeded) stay.
        var oldEvents = 0L;
        foreach (var id in old)
        {
            oldEvents += await fixture.Database.ExecuteAsync("UPDATE omni_event_log SET at = @at WHERE subject = @id", ("@at", longAgo), ("@id", id));
        }
        var recentEvents = Count(await fixture.Database.ScalarAsync("SELECT COUNT(*) FROM omni_event_log WHERE subject = @id", ("@id", recent)));
        Assert.True(oldEvents >= 15, $"expected at least 3 events for each old task, found {oldEvents}");

        var sweep = await fixture.Cluster.GetSiloServiceProvider().GetRequiredService<RetentionSweeper>().SweepOnceAsync();

        Assert.Equal(5, sweep.Deleted);
        Assert.Equal(3, sweep.Batches); // batches of 2: 2 + 2 + 1
        foreach (var id in old)
        {
            Assert.Equal(0L, Count(await fixture.Database.ScalarAsync("SELECT COUNT(*) FROM omni_tasks WHERE id = @id", ("@id", id))));
        }
        Assert.Equal(3L, Count(await fixture.Database.ScalarAsync("SELECT COUNT(*) FROM omni_tasks WHERE queue = @queue", ("@queue", queue))));
        Assert.True(sweep.LogDeleted >= oldEvents, $"deleted {sweep.LogDeleted} event-log rows, {oldEvents} were old");
        foreach (var id in old)
        {
            Assert.Equal(0L, Count(await fixture.Database.ScalarAsync("SELECT COUNT(*) FROM omni_event_log WHERE subject = @id", ("@id", id))));
        }
        Assert.True(recentEvents >= 3);
        Assert.Equal(recentEvents, Count(await fixture.Database.ScalarAsync("SELECT COUNT(*) FROM omni_event_log WHERE subject = @id", ("@id", recent))));
        Assert.Equal(TaskStatus.DeadLettered, (await fixture.Omni.GetAsync(deadLetter))?.Status);
        Assert.Equal(TaskStatus.Scheduled, (await fixture.Omni.GetAsync(pending))?.Status);
        var again = await fixture.Cluster.GetSiloServiceProvider().GetRequiredService<RetentionSweeper>().SweepOnceAsync();
        Assert.Equal((0, 0), (again.Deleted, again.LogDeleted));
    }
}

[Collection(SqliteClusterCollection.Name)]
public sealed class SqliteRetentionTests(SqliteTaskCluster fixture) : RetentionTests(fixture);

[Collection(PostgresClusterCollection.Name)]
public sealed class PostgresRetentionTests(PostgresTaskCluster fixture) : RetentionTests(fixture);
