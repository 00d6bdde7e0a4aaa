using OmniActors.Cli.Tests.Support;

namespace OmniActors.Cli.Tests;

[Collection(CliSiloCollection.Name)]
public sealed class OperationsCommandsTests(CliSilo silo)
{
    private readonly Omni _omni = new(silo.Url);

    [Fact]
    public async Task Dead_letters_are_listed_requeued_and_purged()
    {
        var queue = Omni.Queue("cli-dlq");
        var id = (await _omni.JsonAsync("enqueue", "cli-fail", "-q", queue, "--max-attempts", "1")).GetProperty("id").GetString()!;
        await _omni.UntilStatusAsync(id, "dead_lettered");

        var list = await _omni.OkAsync("dead-letters", "list", "--queue", queue);
        Assert.Contains(id, list.Out, StringComparison.Ordinal);
        Assert.Contains("cli-fail always fails", list.Out, StringComparison.Ordinal);
        var listed = await _omni.JsonAsync("dlq", "list", "--queue", queue);
        Assert.Equal(id, Assert.Single(listed.GetProperty("items").EnumerateArray()).GetProperty("id").GetString());

        var requeue = await _omni.OkAsync("dead-letters", "requeue", id);
        Assert.StartsWith($"Requeued {id} on queue {queue}", requeue.Out, StringComparison.Ordinal);
        await _omni.UntilStatusAsync(id, "dead_lettered"); // It fails again: back in the dead letters.

        var purge = await _omni.OkAsync("dead-letters", "purge", id);
        Assert.Equal($"Purged {id}.", purge.Out.Trim());
        var gone = await _omni.RunAsync("get", id);
        Assert.Equal(1, gone.Exit);
        Assert.Equal("No dead letters.", (await _omni.OkAsync("dead-letters", "list", "--queue", queue)).Out.Trim());
    }

    [Fact]
    public async Task Dead_letters_of_a_queue_are_requeued_and_purged_all_at_once()
    {
        var queue = Omni.Queue("cli-dlq-all");
        var ids = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            ids.Add((await _omni.JsonAsync("enqueue", "cli-fail", "-q", queue, "--max-attempts", "1")).GetProperty("id").GetString()!);
        }
        foreach (var id in ids)
        {
            await _omni.UntilStatusAsync(id, "dead_lettered");
        }
        await _omni.OkAsync("queues", "pause", queue);
        var requeued = await _omni.JsonAsync("dead-letters", "requeue", "--all", "--queue", queue);
        Assert.Equal(2, requeued.GetProperty("count").GetInt32());
        Assert.Equal("queued", await _omni.StatusAsync(ids[0]));
        await _omni.OkAsync("queues", "resume", queue);
        foreach (var id in ids)
        {
            await _omni.UntilStatusAsync(id, "dead_lettered");
        }

        var purged = await _omni.OkAsync("dead-letters", "purge", "--all", "--queue", queue);
        Assert.Equal("Purged 2 dead letters.", purged.Out.Trim());

        var both = await _omni.RunAsync("dead-letters", "purge", ids[0], "--all");
        Assert.Equal(2, both.Exit);
        Assert.Contains("not both", both.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Queues_pause_hold_work_and_resume_releases_it_with_stats_and_list()
    {
        var queue = Omni.Queue("cli-queue");
        var paused = await _omni.OkAsync("queues", "pause", queue);
        Assert.StartsWith($"Queue {queue} is paused.", paused.Out, StringComparison.Ordinal);
        var id = (await _omni.JsonAsync("enqueue", "echo", "-q", queue)).GetProperty("id").GetString()!;

        var stats = await _omni.JsonAsync("queues", "stats", queue);
        Assert.True(stats.GetProperty("paused").GetBoolean());
        Assert.Equal(1, stats.GetProperty("ready").GetInt32());
        var readable = await _omni.OkAsync("queues", "stats", queue);
        Assert.Matches(@"(?m)^state:\s+paused$", readable.Out);
        Assert.Matches(@"(?m)^ready:\s+1$", readable.Out);
        Assert.Equal("queued", await _omni.StatusAsync(id));

        var list = await _omni.OkAsync("queues", "list");
        Assert.Matches($@"(?m)^{queue}\s+paused\s+1\s", list.Out);

        var resumed = await _omni.OkAsync("queues", "resume", queue);
        Assert.StartsWith($"Queue {queue} is running.", resumed.Out, StringComparison.Ordinal);
        await _omni.UntilStatusAsync(id, "succeeded");
        Assert.False((await _omni.JsonAsync("queues", "stats", queue)).GetProperty("paused").GetBoolean());
    }

    [Fact]
    public async Task Schedules_are_created_listed_triggered_paused_and_deleted()
    {
        var name = Omni.Queue("cli-sched");
        var queue = Omni.Queue("cli-sched-q");
        var created = await _omni.OkAsync("schedules", "create", name, "--interval", "1h", "--action", "echo", "--queue", queue, "--payload", """{"tick":true}""");
        Assert.StartsWith($"Created schedule {name}; next fire ", created.Out, StringComparison.Ordinal);
        var updated = await _omni.OkAsync("schedules", "create", name, "--interval", "2h", "--action", "echo", "--queue", queue);
        Assert.StartsWith($"Updated schedule {name}", updated.Out, StringComparison.Ordinal);

        var list = await _omni.OkAsync("schedules", "list");
        Assert.Matches($@"(?m)^{name}\s+every 02:00:00\s+active\s", list.Out);
        var listed = await _omni.JsonAsync("schedules", "list");
        Assert.Contains(listed.EnumerateArray(), s => s.GetProperty("name").GetString() == name);

        var fire = await _omni.JsonAsync("schedules", "trigger", name);
        var taskId = fire.GetProperty("taskId").GetString()!;
        var task = await _omni.JsonAsync("get", taskId);
        Assert.Equal(queue, task.GetProperty("queue").GetString());
        Assert.Equal("echo", task.GetProperty("action").GetString());
        var readableFire = await _omni.OkAsync("schedules", "trigger", name);
        Assert.Matches($@"^Fired {name} at .+: \w+, task \S+\.", readableFire.Out);

        var history = await _omni.OkAsync("schedules", "history", name);
        Assert.Contains(taskId, history.Out, StringComparison.Ordinal);

        Assert.True((await _omni.JsonAsync("schedules", "pause", name)).GetProperty("paused").GetBoolean());
        Assert.Matches(@"(?m)^state:\s+paused$", (await _omni.OkAsync("schedules", "get", name)).Out);
        Assert.False((await _omni.JsonAsync("schedules", "resume", name)).GetProperty("paused").GetBoolean());

        Assert.Equal($"Deleted schedule {name}.", (await _omni.OkAsync("schedules", "delete", name)).Out.Trim());
        var gone = await _omni.RunAsync("schedules", "get", name);
        Assert.Equal(1, gone.Exit);
        Assert.Contains("404", gone.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Schedule_create_without_a_when_is_a_usage_error_and_a_bad_cron_is_the_servers_problem()
    {
        var name = Omni.Queue("cli-sched-bad");
        var noWhen = await _omni.RunAsync("schedules", "create", name, "--action", "echo");
        Assert.Equal(2, noWhen.Exit);
        Assert.Contains("--cron, --interval or --at", noWhen.Error, StringComparison.Ordinal);

        var badCron = await _omni.RunAsync("schedules", "create", name, "--cron", "not a cron", "--action", "echo");
        Assert.Equal(1, badCron.Exit);
        Assert.Matches(@"^omni: 400 ", badCron.Error);
        Assert.Matches(@"(?m)^  code: \w+", badCron.Error);

        var badMisfire = await _omni.RunAsync("schedules", "create", name, "--interval", "1h", "--action", "echo", "--misfire", "sometimes");
        Assert.Equal(2, badMisfire.Exit);
        Assert.Contains("sometimes", badMisfire.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_schedule_is_created_from_a_spec_on_stdin_with_flags_overriding_it()
    {
        var name = Omni.Queue("cli-spec");
        var run = await _omni.RunAsync(["schedules", "create", name, "--spec", "-", "--queue", "cli-spec-q", "--json"],
            stdin: """{"intervalSeconds": 600, "misfire": "skip_to_next", "task": {"action": "echo", "payload": {"from": "spec"}, "queue": "ignored"}}""");
        Assert.True(run.Exit == 0, run.ToString());
        var schedule = run.Json;
        Assert.Equal(600, schedule.GetProperty("intervalSeconds").GetDouble());
        Assert.Equal("skip_to_next", schedule.GetProperty("misfire").GetString());
        Assert.Equal("cli-spec-q", schedule.GetProperty("task").GetProperty("queue").GetString());
        Assert.Equal("spec", schedule.GetProperty("task").GetProperty("payload").GetProperty("from").GetString());

        var notObject = await _omni.RunAsync(["schedules", "create", name, "--spec", "-"], stdin: "[1]");
        Assert.Equal(2, notObject.Exit);
        Assert.Contains("--spec must be a JSON object", notObject.Error, StringComparison.Ordinal);
        await _omni.OkAsync("schedules", "delete", name);
    }
}
