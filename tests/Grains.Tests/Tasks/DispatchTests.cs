using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using OmniActors.Queues;
using OmniActors.Tasks;
using Orleans.Runtime;
using OmniActors.Tests.Support;
using static OmniActors.Tests.Tasks.TaskTestKit;
using TaskStatus = OmniActors.Tasks.TaskStatus;

namespace OmniActors.Tests.Tasks;

/// <summary>Which task a queue starts when, and how many at once.</summary>
public abstract class DispatchTests(TaskClusterFixture fixture)
{
    private Probe Probe => fixture.Probe;

    [Fact]
    public async Task Ready_tasks_start_by_priority_descending_then_in_arrival_order()
    {
        int[] priorities = [0, 5, -3, 10, 5, 0, 10, -3, 5, 0, 1];
        var submitted = new List<(string Id, int Priority, int Seq)>();
        // This test is about order, not activation: see the pause tests for pausing a queue whose partitions are asleep.
        await fixture.WakePartitions("serial");
        await fixture.PauseQueue("serial");
        try
        {
            for (var i = 0; i < priorities.Length; i++)
            {
                var result = await fixture.Omni.EnqueueAsync("test-record", new { seq = i }, "serial", priorities[i]);
                submitted.Add((result.Task.Id, priorities[i], i));
            }
            var stats = await fixture.Stats("serial");
            Assert.True(stats.Paused);
            Assert.True(stats.Ready >= priorities.Length, $"expected at least {priorities.Length} ready, got {stats.Ready}");
        }
        finally
        {
            await fixture.ResumeQueue("serial");
        }

        foreach (var (id, _, _) in submitted)
        {
            await fixture.Omni.EndsAs(id, TaskStatus.Succeeded);
        }
        var ids = submitted.Select(s => s.Id).ToHashSet();
        var started = Probe.Started["serial"].Where(ids.Contains).ToList();
        var expected = submitted.OrderByDescending(s => s.Priority).ThenBy(s => s.Seq).Select(s => s.Id).ToList();
        Assert.Equal(expected, started);
    }

    [Fact]
    public async Task A_backlog_deeper_than_the_rows_a_partition_holds_runs_in_order_and_a_cancel_of_a_row_read_ahead_holds()
    {
        // The test silo holds 16 KiB of rows (CommonSettings, WarmRowBytes): past them a claim reads its rows, and the next
        // ready ones with them. Forty tasks, a blocking one, forty more: while the blocker runs, the rows of the tasks
        // behind it have been read ahead, and cancelling some of those must stop them for good.
        await fixture.WakePartitions("serial");
        await fixture.PauseQueue("serial");
        List<string> first, rest;
        string blocker;
        try
        {
            first = await EnqueueMany(40, priority: 10);
            blocker = (await fixture.Omni.EnqueueAsync(new TaskSpec { Action = "test-block", Queue = "serial", Priority = 5 })).Task.Id;
            rest = await EnqueueMany(40, priority: 0);
        }
        finally
        {
            await fixture.ResumeQueue("serial");
        }
        await Eventually.True(() => Probe.Executions.ContainsKey(blocker), TimeSpan.FromSeconds(20), "the blocker starts after the first forty");
        var cancelled = rest.Where((_, i) => i % 4 == 1).ToList();
        foreach (var id in cancelled)
        {
            Assert.Equal(TaskStatus.Cancelled, (await fixture.Omni.CancelAsync(id, "read ahead")).Status);
        }
        Probe.Gate(blocker).TrySetResult();

        var expected = first.Append(blocker).Concat(rest.Except(cancelled)).ToList();
        foreach (var id in expected)
        {
            await fixture.Omni.EndsAs(id, TaskStatus.Succeeded);
        }
        foreach (var id in cancelled)
        {
            Assert.Equal(TaskStatus.Cancelled, (await fixture.Omni.GetAsync(id))?.Status);
            Assert.Equal(0, fixture.ExecutionsOf(id));
        }
        Assert.All(expected, id => Assert.Equal(1, fixture.ExecutionsOf(id)));
        var ids = expected.Concat(cancelled).ToHashSet();
        Assert.Equal(expected, Probe.Started["serial"].Where(ids.Contains).ToList());

        async Task<List<string>> EnqueueMany(int count, int priority)
        {
            var submitted = new List<string>(count);
            for (var i = 0; i < count; i++)
            {
                submitted.Add((await fixture.Omni.EnqueueAsync("test-record", new { seq = i }, "serial", priority)).Task.Id);
            }
            return submitted;
        }
    }

    [Fact]
    public async Task Tasks_waiting_in_a_paused_queue_let_their_activations_go_and_run_after_resume()
    {
        const string queue = "cold-paused";
        await fixture.WakePartitions(queue);
        await fixture.PauseQueue(queue);
        List<string> ids;
        try
        {
            var submitted = await Task.WhenAll(Enumerable.Range(0, 40)
                .Select(i => fixture.Omni.EnqueueAsync("test-record", new { seq = i }, queue)));
            ids = submitted.Select(s => s.Task.Id).ToList();

            // A waiting task is an index entry in its partition and a row, not a live grain: a deep backlog stays cheap.
            await Eventually.Until(() => ActiveTaskGrains(ids), active => active == 0, TimeSpan.FromSeconds(10),
                "the paused queue's task grains deactivate");
            Assert.Equal(ids.Count, (await fixture.Stats(queue)).Ready);
        }
        finally
        {
            await fixture.ResumeQueue(queue);
        }

        // Dispatch reactivates each from its row.
        await Task.WhenAll(ids.Select(id => fixture.Omni.EndsAs(id, TaskStatus.Succeeded)));
        Assert.All(ids, id => Assert.Equal(1, fixture.ExecutionsOf(id)));
    }

    [Fact]
    public async Task A_silo_holds_waiting_rows_only_within_its_budget_and_gives_every_byte_back_as_they_run()
    {
        // The test silo's partitions may hold 16 KiB of rows (CommonSettings): 60 tasks of ~4 KiB each are far more.
        var queue = UniqueQueue("warm-budget");
        var warm = fixture.Cluster.Silos[0].SiloHost.Services.GetRequiredService<WarmRows>();
        var budget = long.Parse(TaskClusterFixture.CommonSettings["OmniActors:Queues:WarmRowBytes"]!, CultureInfo.InvariantCulture);
        var text = new string('x', 2000);
        await fixture.WakePartitions(queue);
        var before = warm.Held;
        List<string> ids;
        await fixture.PauseQueue(queue);
        try
        {
            var results = await fixture.Omni.EnqueueBatchAsync(Enumerable.Range(0, 60)
                .Select(i => new TaskSpec { Action = "test-record", Payload = $"{{\"seq\":{i},\"text\":\"{text}\"}}", Queue = queue }).ToList());
            ids = results.Select(r => Assert.IsType<SubmitResult>(r.Result).Task.Id).ToList();
            var rowSize = WarmRows.SizeOf((await fixture.Omni.GetAsync(ids[0]))!);
            Assert.InRange(rowSize, 4_000, 5_000);
            Assert.InRange(warm.Held, 0, budget);
            if (before + rowSize <= budget)
            {
                Assert.True(warm.Held >= before + rowSize, $"held {warm.Held} bytes, {before} before the batch: the batch's rows fit but none was kept");
            }
        }
        finally
        {
            await fixture.ResumeQueue(queue);
        }

        await Eventually.Until(async () => (await fixture.Stats(queue)).Succeeded, n => n == ids.Count, TimeSpan.FromSeconds(30),
            "every task of the batch recorded as succeeded");
        Assert.All(ids, id => Assert.Equal(1, fixture.ExecutionsOf(id)));
        // Claimed, read again or run: every row held for the batch was given back.
        await Eventually.Until(() => Task.FromResult(warm.Held), held => held <= before, TimeSpan.FromSeconds(10), "the rows' bytes given back");
    }

    [Fact]
    public async Task A_batch_of_plain_tasks_runs_on_the_batch_path_without_activating_their_task_grains()
    {
        var queue = UniqueQueue("lean");
        var specs = Enumerable.Range(0, 200)
            .Select(i => new TaskSpec { Action = "test-record", Payload = $"{{\"seq\":{i}}}", Queue = queue })
            .ToList();

        var results = await fixture.Omni.EnqueueBatchAsync(specs);
        var ids = results.Select(r => Assert.IsType<SubmitResult>(r.Result).Task.Id).ToList();

        // Watched through the partitions' counters and the table, not through the tasks (a get would activate the grain).
        await Eventually.Until(async () => (await fixture.Stats(queue)).Succeeded, n => n == ids.Count, TimeSpan.FromSeconds(30),
            "every task of the batch recorded as succeeded");
        var rows = await fixture.Omni.ListAsync(new TaskQuery { Queue = queue, Status = TaskStatus.Succeeded, Limit = 500 });
        Assert.Equal(ids.ToHashSet(), rows.Items.Select(t => t.Id).ToHashSet());
        Assert.All(rows.Items, t => Assert.Equal(1, t.Attempt));
        Assert.All(ids, id => Assert.Equal(1, fixture.ExecutionsOf(id)));
        Assert.Equal(0, await ActiveTaskGrains(ids));
    }

    [Fact]
    public async Task A_task_grain_addressed_after_the_batch_path_finished_its_task_reads_the_stored_end()
    {
        var queue = UniqueQueue("lean-get");
        var id = Assert.IsType<SubmitResult>((await fixture.Omni.EnqueueBatchAsync(
            [new TaskSpec { Action = "test-record", Payload = "{}", Queue = queue }]))[0].Result).Task.Id;
        await Eventually.Until(async () => (await fixture.Stats(queue)).Succeeded, n => n == 1, TimeSpan.FromSeconds(30), "the task succeeded");

        var task = await fixture.Omni.GetAsync(id);

        Assert.NotNull(task);
        Assert.Equal(TaskStatus.Succeeded, task.Status);
        Assert.Equal(1, task.Attempt);
        Assert.NotNull(task.StartedAt);
        Assert.NotNull(task.FinishedAt);
    }

    private async Task<int> ActiveTaskGrains(IReadOnlyList<string> ids)
    {
        var wanted = ids.ToHashSet(StringComparer.Ordinal);
        var stats = await fixture.Client.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics();
        return stats.Count(s => wanted.Contains(s.GrainId.Key.ToString()!));
    }

    [Fact]
    public async Task A_queue_never_runs_more_handlers_at_once_than_its_concurrency()
    {
        var submitted = await Task.WhenAll(Enumerable.Range(0, 40)
            .Select(i => fixture.Omni.EnqueueAsync("test-record", new { holdMs = 50, seq = i }, "limited")));

        await Task.WhenAll(submitted.Select(s => fixture.Omni.EndsAs(s.Task.Id, TaskStatus.Succeeded)));

        var stats = await fixture.Stats("limited");
        Assert.Equal(3, stats.Concurrency);
        Assert.Equal(2, stats.Partitions);
        var max = Probe.MaxConcurrent("limited");
        Assert.True(max <= 3, $"'limited' ran {max} handlers at once; its concurrency is 3");
        Assert.True(max > 1, $"'limited' never ran handlers in parallel (max {max})");
    }

    [Fact]
    public async Task A_queue_of_short_tasks_claims_a_round_ahead_yet_never_runs_more_handlers_at_once_than_its_concurrency()
    {
        var submitted = await Task.WhenAll(Enumerable.Range(0, 300)
            .Select(i => fixture.Omni.EnqueueAsync("test-record", new { holdMs = i % 3, seq = i }, "ahead")));

        // One waiter at a time: hundreds of waiting task grains would each hold a connection of the test server's pool.
        foreach (var s in submitted)
        {
            await fixture.Omni.EndsAs(s.Task.Id, TaskStatus.Succeeded);
        }

        var max = Probe.MaxConcurrent("ahead");
        Assert.True(max <= 2, $"'ahead' ran {max} handlers at once; its concurrency is 2");
        Assert.All(submitted, s => Assert.Equal(1, fixture.ExecutionsOf(s.Task.Id)));
        foreach (var s in submitted)
        {
            Assert.Equal(1, (await fixture.Omni.GetAsync(s.Task.Id))?.Attempt);
        }
    }

    [Fact]
    public async Task A_task_claimed_ahead_reads_running_before_its_handler_starts_and_a_cancel_stops_it_for_good()
    {
        var (blockers, behind) = await ClaimBehindBlockers(new TaskSpec { Action = "test-block", Queue = "ahead" });
        Assert.Equal(0, fixture.ExecutionsOf(behind));
        Assert.Equal(TaskStatus.Cancelled, (await fixture.Omni.CancelAsync(behind, "claimed ahead")).Status);
        var next = (await fixture.Omni.EnqueueAsync("test-record", new { after = "cancel" }, "ahead")).Task.Id;
        foreach (var blocker in blockers)
        {
            Probe.Gate(blocker).TrySetResult();
        }

        foreach (var blocker in blockers)
        {
            await fixture.Omni.EndsAs(blocker, TaskStatus.Succeeded);
        }
        await fixture.Omni.EndsAs(next, TaskStatus.Succeeded);
        Assert.Equal(TaskStatus.Cancelled, (await fixture.Omni.GetAsync(behind))?.Status);
        Assert.Equal(0, fixture.ExecutionsOf(behind));
        Assert.True(Probe.MaxConcurrent("ahead") <= 2, $"'ahead' ran {Probe.MaxConcurrent("ahead")} handlers at once; its concurrency is 2");
    }

    [Fact]
    public async Task A_claim_ahead_that_waits_half_a_lease_goes_back_to_the_queue_uncounted_and_runs_once()
    {
        // The lease of a claim waiting for a slot is not renewed (no handler runs it): rather than let it lapse into a
        // lost attempt, the partition gives the claim back, and claims it again when a slot is near.
        var (blockers, behind) = await ClaimBehindBlockers(
            new TaskSpec { Action = "test-record", Queue = "ahead", Payload = """{"behind":true}""" });

        // The test silos' lease is 3 s: past 1.5 s the claim is given back (queued again, its attempt not counted), and
        // then claimed again, over and over, while the blockers hold the slots.
        await Eventually.Until(() => fixture.Omni.GetAsync(behind), t => t is { Status: TaskStatus.Queued or TaskStatus.Running, Version: >= 3 },
            TimeSpan.FromSeconds(20), "the claim is given back and taken again");
        foreach (var blocker in blockers)
        {
            Probe.Gate(blocker).TrySetResult();
        }

        var ended = await fixture.Omni.EndsAs(behind, TaskStatus.Succeeded);
        Assert.Equal(1, ended.Attempt);
        Assert.Equal(1, fixture.ExecutionsOf(behind));
    }

    /// <summary>
    /// Short attempts first, so the "ahead" partition claims ahead; then two blockers take both slots and
    /// <paramref name="spec"/> is claimed behind them: stored as started (it reads running), waiting for a slot.
    /// </summary>
    private async Task<(List<string> Blockers, string Behind)> ClaimBehindBlockers(TaskSpec spec)
    {
        var warm = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => fixture.Omni.EnqueueAsync("test-record", new { seq = i }, "ahead")));
        await Task.WhenAll(warm.Select(s => fixture.Omni.EndsAs(s.Task.Id, TaskStatus.Succeeded)));
        var blockers = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            blockers.Add((await fixture.Omni.EnqueueAsync(new TaskSpec { Action = "test-block", Queue = "ahead" })).Task.Id);
        }
        await Eventually.True(() => blockers.All(Probe.Executions.ContainsKey), TimeSpan.FromSeconds(20), "both blockers start");
        var behind = (await fixture.Omni.EnqueueAsync(spec)).Task.Id;
        await Eventually.Until(() => fixture.Omni.GetAsync(behind), t => t?.Status == TaskStatus.Running, TimeSpan.FromSeconds(20),
            "the task behind the blockers is claimed ahead");
        return (blockers, behind);
    }

    [Fact]
    public async Task A_paused_queue_keeps_its_tasks_queued_until_resumed()
    {
        // No partition of this queue has been active yet: pausing must activate them without deadlocking.
        var queue = UniqueQueue("paused");
        await fixture.PauseQueue(queue);
        var id = (await fixture.Omni.EnqueueAsync("test-record", new { hello = "paused" }, queue)).Task.Id;

        var stats = await fixture.Stats(queue);
        Assert.True(stats.Paused);
        Assert.Equal(1, stats.Ready);
        Assert.Equal(0, stats.Running);
        await HoldsFor(TimeSpan.FromMilliseconds(300), async () =>
            (await fixture.Omni.GetAsync(id))?.Status == TaskStatus.Queued && !Probe.Executions.ContainsKey(id),
            "a task of a paused queue stays queued and its handler does not start");

        await fixture.ResumeQueue(queue);
        await fixture.Omni.EndsAs(id, TaskStatus.Succeeded);
        Assert.False((await fixture.Stats(queue)).Paused);
        Assert.Equal(1, fixture.ExecutionsOf(id));
    }

    [Fact]
    public async Task Queue_stats_answer_while_some_partitions_have_never_run()
    {
        // One task wakes one of the queue's four partitions; the stats must wake the others without deadlocking.
        var queue = UniqueQueue("stats");
        var id = (await fixture.Omni.EnqueueAsync("test-record", new { stats = true }, queue)).Task.Id;
        await fixture.Omni.EndsAs(id, TaskStatus.Succeeded);

        var stats = await fixture.Stats(queue);

        Assert.Equal(queue, stats.Queue);
        Assert.False(stats.Paused);
        Assert.Equal(4, stats.Partitions);
        Assert.Equal(16, stats.Concurrency);
        Assert.Equal(0, stats.Depth);
        Assert.Equal(1, stats.Succeeded);
    }

    [Fact]
    public async Task A_delayed_task_is_scheduled_and_starts_no_earlier_than_its_due_time()
    {
        var queue = UniqueQueue("delayed");
        await fixture.WakePartitions(queue);
        var submitted = await fixture.Omni.EnqueueAsync(new TaskSpec
        {
            Action = "test-record",
            Payload = "{}",
            Queue = queue,
            Delay = TimeSpan.FromMilliseconds(500),
        });
        Assert.Equal(TaskStatus.Scheduled, submitted.Task.Status);
        var dueAt = Assert.NotNull(submitted.Task.DueAt);
        Assert.Equal(submitted.Task.CreatedAt + TimeSpan.FromMilliseconds(500), dueAt);
        Assert.Equal(1, (await fixture.Stats(queue)).Scheduled);

        var done = await fixture.Omni.EndsAs(submitted.Task.Id, TaskStatus.Succeeded);
        var startedAt = Assert.NotNull(done.StartedAt);
        Assert.True(startedAt >= dueAt, $"started at {startedAt:O}, before its due time {dueAt:O}");
    }

    [Fact]
    public async Task A_task_enqueued_into_an_idle_queue_is_stored_started_and_logs_its_enqueue_then_its_start()
    {
        var queue = UniqueQueue("arrival");
        var submitted = await fixture.Omni.EnqueueAsync("test-record", new { seq = 1 }, queue);

        // One commit stored it queued and started: the answer is the stored row, under this silo's lease.
        var id = submitted.Task.Id;
        Assert.Equal((TaskStatus.Running, 1), (submitted.Task.Status, submitted.Task.Attempt));
        Assert.Equal(submitted.Task.CreatedAt, submitted.Task.StartedAt);
        Assert.NotNull(submitted.Task.LeaseOwner);
        var done = await fixture.Omni.EndsAs(id, TaskStatus.Succeeded);
        Assert.Equal(1, done.Attempt);
        Assert.Equal(1, fixture.ExecutionsOf(id));
        var log = await fixture.Database.RowsAsync("SELECT type, attempt FROM omni_event_log WHERE subject = @id ORDER BY seq", ("@id", id));
        Assert.Equal(["enqueued:0", "executing:1", "complete:1"],
            log.Select(r => $"{r[0]}:{Convert.ToInt64(r[1], CultureInfo.InvariantCulture)}"));
    }

    [Fact]
    public async Task A_task_whose_run_at_has_passed_runs_at_once()
    {
        var queue = UniqueQueue("past");
        var submitted = await fixture.Omni.EnqueueAsync(new TaskSpec
        {
            Action = "test-record",
            Payload = "{}",
            Queue = queue,
            RunAt = DateTimeOffset.UtcNow - TimeSpan.FromMinutes(1),
        });
        // Due now: an idle queue stores it started at once (see the next test), a busy one queues it; never scheduled.
        Assert.Contains(submitted.Task.Status, new[] { TaskStatus.Queued, TaskStatus.Running });
        Assert.Null(submitted.Task.DueAt);

        var done = await fixture.Omni.EndsAs(submitted.Task.Id, TaskStatus.Succeeded);
        Assert.True(done.StartedAt - done.CreatedAt < TimeSpan.FromSeconds(2),
            $"a task due in the past waited {done.StartedAt - done.CreatedAt} to start");
    }
}

[Collection(SqliteClusterCollection.Name)]
public sealed class SqliteDispatchTests(SqliteTaskCluster fixture) : DispatchTests(fixture);

[Collection(PostgresClusterCollection.Name)]
public sealed class PostgresDispatchTests(PostgresTaskCluster fixture) : DispatchTests(fixture);
