using OmniActors.Cli.Tests.Support;

namespace OmniActors.Cli.Tests;

[Collection(CliSiloCollection.Name)]
public sealed class TaskCommandsTests(CliSilo silo)
{
    private readonly Omni _omni = new(silo.Url);

    [Fact]
    public async Task Enqueue_then_get_shows_the_task_as_json_and_as_lines()
    {
        var queue = Omni.Queue("cli-get");
        var payloadFile = Path.GetTempFileName();
        await File.WriteAllTextAsync(payloadFile, """{"greeting":"hello","n":42}""");
        try
        {
            var enqueued = await _omni.JsonAsync("enqueue", "echo", "--queue", queue, "--payload", "@" + payloadFile, "--priority", "7");
            var id = enqueued.GetProperty("id").GetString()!;
            Assert.Equal(queue, enqueued.GetProperty("queue").GetString());

            await _omni.UntilStatusAsync(id, "succeeded");
            var task = await _omni.JsonAsync("get", id);
            Assert.Equal("echo", task.GetProperty("action").GetString());
            Assert.Equal(42, task.GetProperty("payload").GetProperty("n").GetInt32());
            Assert.Equal(7, task.GetProperty("priority").GetInt32());

            var lines = await _omni.OkAsync("get", id);
            Assert.Matches($@"(?m)^id:\s+{id}$", lines.Out);
            Assert.Matches(@"(?m)^action:\s+echo$", lines.Out);
            Assert.Matches(@"(?m)^status:\s+succeeded$", lines.Out);
            Assert.Matches(@"(?m)^priority:\s+7$", lines.Out);
            Assert.Contains("\"greeting\":\"hello\"", lines.Out, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(payloadFile);
        }
    }

    [Fact]
    public async Task Enqueue_prints_a_readable_line_and_reads_the_payload_from_stdin_under_an_idempotency_key()
    {
        var queue = Omni.Queue("cli-stdin");
        var key = Guid.NewGuid().ToString("N");
        var first = await _omni.RunAsync(["enqueue", "echo", "-q", queue, "--payload", "-", "--idempotency-key", key, "--delay", "1h"], stdin: """{"from":"stdin"}""");
        Assert.True(first.Exit == 0, first.ToString());
        var match = System.Text.RegularExpressions.Regex.Match(first.Out, @"^Enqueued (\S+) on queue (\S+) \((\w+)\)\.");
        Assert.True(match.Success, first.Out);
        Assert.Equal(queue, match.Groups[2].Value);
        Assert.Equal("scheduled", match.Groups[3].Value); // Delayed an hour.
        var id = match.Groups[1].Value;

        var again = await _omni.RunAsync(["enqueue", "echo", "-q", queue, "--payload", "-", "--idempotency-key", key, "--delay", "1h"], stdin: """{"from":"stdin"}""");
        Assert.Equal(0, again.Exit);
        Assert.StartsWith($"Already enqueued under that idempotency key: {id}", again.Out, StringComparison.Ordinal);

        var task = await _omni.JsonAsync("get", id);
        Assert.Equal("stdin", task.GetProperty("payload").GetProperty("from").GetString());
        Assert.Equal(key, task.GetProperty("idempotencyKey").GetString());
    }

    [Fact]
    public async Task List_filters_by_queue_and_status_and_pages_with_a_cursor()
    {
        var queue = Omni.Queue("cli-list");
        var other = Omni.Queue("cli-list-other");
        await _omni.OkAsync("queues", "pause", queue);
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await _omni.JsonAsync("enqueue", "echo", "-q", queue, "-p", $$$"""{"i":{{{i}}}}""")).GetProperty("id").GetString()!);
        }
        await _omni.OkAsync("enqueue", "echo", "-q", other);

        var queued = await _omni.JsonAsync("list", "--queue", queue, "--status", "queued");
        Assert.Equal(ids.Order(), queued.GetProperty("items").EnumerateArray().Select(t => t.GetProperty("id").GetString()!).Order());
        Assert.All(queued.GetProperty("items").EnumerateArray(), t => Assert.Equal(queue, t.GetProperty("queue").GetString()));

        var none = await _omni.OkAsync("list", "--queue", queue, "--status", "succeeded");
        Assert.Equal("No tasks.", none.Out.Trim());

        var page = await _omni.OkAsync("list", "--queue", queue, "--limit", "2");
        var rows = page.Out.Trim().Split('\n');
        Assert.StartsWith("ID", rows[0], StringComparison.Ordinal);
        Assert.Equal(3, rows.Length); // Header and two tasks.
        var cursor = System.Text.RegularExpressions.Regex.Match(page.Error, @"--cursor (\S+)").Groups[1].Value;
        Assert.NotEmpty(cursor);
        var rest = await _omni.JsonAsync("list", "--queue", queue, "--limit", "2", "--cursor", cursor);
        Assert.Single(rest.GetProperty("items").EnumerateArray());

        var all = await _omni.JsonAsync("list", "--queue", queue, "--limit", "1", "--all");
        Assert.Equal(3, all.GetProperty("items").GetArrayLength());
        await _omni.OkAsync("queues", "resume", queue);
    }

    [Fact]
    public async Task Cancel_cancels_a_queued_task_with_its_reason()
    {
        var queue = Omni.Queue("cli-cancel");
        await _omni.OkAsync("queues", "pause", queue);
        var id = (await _omni.JsonAsync("enqueue", "echo", "-q", queue)).GetProperty("id").GetString()!;

        var cancel = await _omni.OkAsync("cancel", id, "--reason", "not needed");
        Assert.Equal($"Task {id} is cancelled.", cancel.Out.Trim());
        var task = await _omni.JsonAsync("get", id);
        Assert.Equal("cancelled", task.GetProperty("status").GetString());
        Assert.Equal("not needed", task.GetProperty("cancelReason").GetString());
    }

    [Fact]
    public async Task Enqueue_with_dependencies_waits_for_them_and_shows_them()
    {
        var queue = Omni.Queue("cli-deps");
        var first = (await _omni.JsonAsync("enqueue", "echo", "-q", queue, "--delay", "1h")).GetProperty("id").GetString()!;
        var second = (await _omni.JsonAsync("enqueue", "echo", "-q", queue, "--delay", "1h")).GetProperty("id").GetString()!;
        var dependent = await _omni.JsonAsync("enqueue", "echo", "-q", queue, "--depends-on", first, "--depends-on", second, "--run-when", "all_ended");
        var id = dependent.GetProperty("id").GetString()!;
        Assert.Equal("waiting_on_dependencies", dependent.GetProperty("status").GetString());
        Assert.Equal([first, second], dependent.GetProperty("dependsOn").EnumerateArray().Select(d => d.GetString()));

        var detail = await _omni.OkAsync("get", id);
        Assert.Matches($@"(?m)^depends on:\s+{first}, {second}$", detail.Out);
        Assert.Matches(@"(?m)^run when:\s+all_ended$", detail.Out);

        var badCondition = await _omni.RunAsync("enqueue", "echo", "--depends-on", first, "--run-when", "whenever");
        Assert.Equal(2, badCondition.Exit);
    }
}
