using System.Text.Json;
using OmniActors.Cli.Tests.Support;

namespace OmniActors.Cli.Tests;

[Collection(CliSiloCollection.Name)]
public sealed class EventCommandsTests(CliSilo silo)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly Omni _omni = new(silo.Url);

    [Fact]
    public async Task History_lists_a_tasks_events_in_order()
    {
        var queue = Omni.Queue("cli-history");
        var id = (await _omni.JsonAsync("enqueue", "echo", "-q", queue)).GetProperty("id").GetString()!;
        await _omni.UntilStatusAsync(id, "succeeded");

        var page = await Eventually.Until(() => _omni.JsonAsync("history", id),
            p => p.GetProperty("items").GetArrayLength() >= 3, Deadline, "the history holds the run");
        var types = page.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("type").GetString()).ToList();
        Assert.Equal(["enqueued", "executing", "complete"], types);

        var table = await _omni.OkAsync("history", id);
        var rows = table.Out.Trim().Split('\n');
        Assert.StartsWith("SEQ", rows[0], StringComparison.Ordinal);
        Assert.Matches(@"^\d+\s+\S+ \S+\s+enqueued\s", rows[1]);
        Assert.Matches(@"^\d+\s+\S+ \S+\s+complete\s+1\s", rows[3]);

        var missing = await _omni.RunAsync("history", "no-such-task-" + Guid.NewGuid().ToString("N"));
        Assert.Equal(1, missing.Exit);
        Assert.Contains("code: not_found", missing.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tail_receives_a_tasks_live_events_in_order()
    {
        var queue = Omni.Queue("cli-tail");
        using var timeout = new CancellationTokenSource(Deadline);
        // --since 0 replays from the log what happened before the stream opened, so the enqueue below cannot race it.
        var tail = _omni.RunAsync(["tail", "--queue", queue, "--since", "0", "--count", "3", "--json"], cancellationToken: timeout.Token);
        var id = (await _omni.JsonAsync("enqueue", "echo", "-q", queue)).GetProperty("id").GetString()!;

        var run = await tail;
        Assert.True(run.Exit == 0, run.ToString());
        var events = run.Out.Trim().Split('\n').Select(line => JsonDocument.Parse(line).RootElement.Clone()).ToList();
        Assert.Equal(["enqueued", "executing", "complete"], events.Select(e => e.GetProperty("type").GetString()));
        Assert.All(events, e => Assert.Equal(id, e.GetProperty("id").GetString()));
        var sequences = events.Select(e => e.GetProperty("sequence").GetInt64()).ToList();
        Assert.Equal(sequences.Order(), sequences);
    }

    [Fact]
    public async Task Tail_resumes_after_the_given_event_and_prints_readable_lines()
    {
        var queue = Omni.Queue("cli-tail-resume");
        var id = (await _omni.JsonAsync("enqueue", "echo", "-q", queue)).GetProperty("id").GetString()!;
        await _omni.UntilStatusAsync(id, "succeeded");
        var history = await Eventually.Until(() => _omni.JsonAsync("history", id),
            p => p.GetProperty("items").GetArrayLength() >= 3, Deadline, "the history holds the run");
        var first = history.GetProperty("items")[0].GetProperty("sequence").GetInt64();

        using var timeout = new CancellationTokenSource(Deadline);
        var run = await _omni.RunAsync(["tail", "--task", id, "--since", first.ToString(System.Globalization.CultureInfo.InvariantCulture), "--count", "2"],
            cancellationToken: timeout.Token);
        Assert.True(run.Exit == 0, run.ToString());
        var lines = run.Out.Trim().Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.Matches($@"^#\d+  \S+ \S+  executing  task={id}  queue={queue}  action=echo  attempt=1", lines[0]);
        Assert.Matches($@"^#\d+  \S+ \S+  complete  task={id}  queue={queue}  action=echo  attempt=1", lines[1]);
    }

    [Fact]
    public async Task Tail_reconnects_after_the_stream_drops_and_resumes_with_Last_Event_ID_without_gaps_or_repeats()
    {
        var queue = Omni.Queue("cli-tail-cut");
        await using var proxy = new CuttableProxy(silo.Url);
        var viaProxy = new Omni(proxy.Url);
        await _omni.OkAsync("queues", "pause", queue);

        using var timeout = new CancellationTokenSource(Deadline);
        var tail = viaProxy.RunAsync(["tail", "--queue", queue, "--since", "0", "--count", "3", "--json"], cancellationToken: timeout.Token);
        var id = (await _omni.JsonAsync("enqueue", "echo", "-q", queue)).GetProperty("id").GetString()!;
        await Eventually.Until(() => Task.FromResult(proxy.Downstream), d => d.Contains("\"enqueued\"", StringComparison.Ordinal),
            Deadline, "the first event reached the client");

        proxy.Cut(); // The stream drops after the first event...
        await _omni.OkAsync("queues", "resume", queue); // ...and the task runs while the client is away.
        await _omni.UntilStatusAsync(id, "succeeded");

        var run = await tail;
        Assert.True(run.Exit == 0, run.ToString());
        var types = run.Out.Trim().Split('\n').Select(line => JsonDocument.Parse(line).RootElement.GetProperty("type").GetString()).ToList();
        Assert.Equal(["enqueued", "executing", "complete"], types);
        Assert.Contains("tail: reconnected, resuming after event ", run.Error, StringComparison.Ordinal);
        Assert.True(proxy.Connections >= 2, $"{proxy.Connections} connection(s)");
    }

    [Fact]
    public async Task Tail_with_an_unknown_type_is_the_servers_problem()
    {
        var run = await _omni.RunAsync("tail", "--type", "exploded", "--count", "1");
        Assert.Equal(1, run.Exit);
        Assert.Contains("Unknown event type 'exploded'", run.Error, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^  code: \w+$", run.Error);
    }
}
