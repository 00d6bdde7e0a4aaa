using System.Text;
using System.Text.RegularExpressions;
using OmniActors.Cli.Tests.Support;

namespace OmniActors.Cli.Tests;

[Collection(CliSiloCollection.Name)]
public sealed class BatchCommandTests(CliSilo silo)
{
    private readonly Omni _omni = new(silo.Url);

    [Fact]
    public async Task A_long_batch_is_sent_in_chunks_with_progress_on_stderr()
    {
        var queue = Omni.Queue("cli-batch");
        await _omni.OkAsync("queues", "pause", queue);
        var file = await WriteLinesAsync(Enumerable.Range(0, 1200).Select(i => $$$"""{"action":"echo","payload":{"i":{{{i}}}}}"""));
        try
        {
            var run = await _omni.OkAsync("enqueue-batch", file, "--queue", queue, "--chunk-size", "500");
            Assert.Equal("1200 tasks: 1200 enqueued, 0 already enqueued, 0 refused.", run.Out.Trim());
            var progress = run.Error.Trim().Split('\n');
            Assert.Equal(
                ["enqueue-batch: 500/1200 sent (41%), 0 refused", "enqueue-batch: 1000/1200 sent (83%), 0 refused", "enqueue-batch: 1200/1200 sent (100%), 0 refused"],
                progress);
            var stats = await _omni.JsonAsync("queues", "stats", queue);
            Assert.Equal(1200, stats.GetProperty("ready").GetInt32());
        }
        finally
        {
            File.Delete(file);
            await _omni.OkAsync("queues", "resume", queue);
        }
    }

    [Fact]
    public async Task Refused_items_are_reported_by_line_and_the_rest_are_enqueued()
    {
        var queue = Omni.Queue("cli-batch-mixed");
        var run = await _omni.RunAsync(["enqueue-batch", "-", "-q", queue, "--json"],
            stdin: """
            {"action":"echo","payload":1}

            {"action":"no-such-action"}
            {"action":"echo","payload":3,"idempotencyKey":"k-1"}
            {"action":"echo","payload":3,"idempotencyKey":"k-1"}
            """);
        Assert.Equal(1, run.Exit);
        var items = run.Json.EnumerateArray().ToList();
        Assert.Equal(4, items.Count);
        Assert.True(items[0].GetProperty("created").GetBoolean());
        Assert.Equal("unknown_action", items[1].GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(items[2].GetProperty("task").GetProperty("id").GetString(), items[3].GetProperty("task").GetProperty("id").GetString());
        Assert.Matches(new Regex(@"omni: refused line 3: Action 'no-such-action' is not registered on the cluster\. \(code: unknown_action\)"), run.Error);
        Assert.Equal(2, (await _omni.JsonAsync("list", "--queue", queue)).GetProperty("items").GetArrayLength());
    }

    [Theory]
    [InlineData("{\"action\":\"echo\"}\n{\"action\":\"echo\"\n", "Line 2 is not valid JSON")]
    [InlineData("{\"action\":\"echo\"}\n[1,2]\n", "Line 2 is not a JSON object")]
    [InlineData("{\"payload\":{}}\n", "Line 1 has no \"action\" string")]
    [InlineData("\n\n", "The file holds no tasks")]
    public async Task A_malformed_file_exits_2_and_enqueues_nothing(string content, string message)
    {
        var queue = Omni.Queue("cli-batch-bad");
        var run = await _omni.RunAsync(["enqueue-batch", "-", "-q", queue], stdin: content);
        Assert.Equal(2, run.Exit);
        Assert.Contains(message, run.Error, StringComparison.Ordinal);
        Assert.Equal("No tasks.", (await _omni.OkAsync("list", "--queue", queue)).Out.Trim());
    }

    [Fact]
    public async Task An_unreachable_silo_stops_the_batch_with_exit_3_and_says_how_far_it_got()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var run = await new Omni(new Uri($"http://127.0.0.1:{port}")).RunAsync(["enqueue-batch", "-"], stdin: "{\"action\":\"echo\"}\n");
        Assert.Equal(3, run.Exit);
        Assert.Contains("stopped after 0 of 1 tasks were accepted", run.Error, StringComparison.Ordinal);
        Assert.Contains("connection refused", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_file_exits_2()
    {
        var run = await _omni.RunAsync("enqueue-batch", "/no/such/tasks.jsonl");
        Assert.Equal(2, run.Exit);
        Assert.Contains("Cannot read '/no/such/tasks.jsonl'", run.Error, StringComparison.Ordinal);
    }

    private static async Task<string> WriteLinesAsync(IEnumerable<string> lines)
    {
        var file = Path.GetTempFileName();
        await File.WriteAllLinesAsync(file, lines, new UTF8Encoding(false));
        return file;
    }
}
