using System.Net;
using System.Net.Sockets;
using OmniActors.Cli.Tests.Support;

namespace OmniActors.Cli.Tests;

[Collection(CliSiloCollection.Name)]
public sealed class ErrorsTests(CliSilo silo)
{
    private readonly Omni _omni = new(silo.Url);

    [Fact]
    public async Task A_missing_task_is_a_404_problem_printed_with_its_code_and_exit_1()
    {
        var id = "missing-" + Guid.NewGuid().ToString("N");
        var run = await _omni.RunAsync("get", id);
        Assert.Equal(1, run.Exit);
        Assert.Equal("", run.Out);
        Assert.Equal($"omni: 404 Not found: Task {id} does not exist.\n  code: not_found\n", run.Error.ReplaceLineEndings("\n"));

        var json = await _omni.RunAsync("get", id, "--json");
        Assert.Equal(1, json.Exit);
        Assert.Equal("not_found", json.Json.GetProperty("code").GetString()); // Scripts get the problem itself.
    }

    [Fact]
    public async Task Server_validation_and_conflict_problems_are_printed_with_their_codes()
    {
        var unknown = await _omni.RunAsync("enqueue", "no-such-action", "-q", Omni.Queue("cli-err"));
        Assert.Equal(1, unknown.Exit);
        Assert.StartsWith("omni: 400 Invalid request: Action 'no-such-action' is not registered on the cluster.", unknown.Error, StringComparison.Ordinal);
        Assert.Contains("  code: unknown_action", unknown.Error, StringComparison.Ordinal);

        var status = await _omni.RunAsync("list", "--status", "sleeping");
        Assert.Equal(1, status.Exit);
        Assert.Contains("Unknown status 'sleeping'", status.Error, StringComparison.Ordinal);

        var queue = Omni.Queue("cli-conflict");
        var id = (await _omni.JsonAsync("enqueue", "echo", "-q", queue)).GetProperty("id").GetString()!;
        await _omni.UntilStatusAsync(id, "succeeded");
        var cancel = await _omni.RunAsync("cancel", id);
        Assert.Equal(1, cancel.Exit);
        Assert.StartsWith("omni: 409 Conflict: ", cancel.Error, StringComparison.Ordinal);
        Assert.Contains("  code: invalid_transition", cancel.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_payload_exits_2_and_sends_nothing()
    {
        var queue = Omni.Queue("cli-malformed");
        var run = await _omni.RunAsync("enqueue", "echo", "-q", queue, "--payload", "{\"a\": 1,");
        Assert.Equal(2, run.Exit);
        Assert.StartsWith("omni: --payload is not valid JSON: ", run.Error, StringComparison.Ordinal);

        var missingFile = await _omni.RunAsync("enqueue", "echo", "-q", queue, "--payload", "@/no/such/file.json");
        Assert.Equal(2, missingFile.Exit);
        Assert.Contains("cannot read '/no/such/file.json'", missingFile.Error, StringComparison.Ordinal);

        var badDelay = await _omni.RunAsync("enqueue", "echo", "-q", queue, "--delay", "soon");
        Assert.Equal(2, badDelay.Exit);
        Assert.Contains("'soon' is not a duration", badDelay.Error, StringComparison.Ordinal);

        Assert.Equal("No tasks.", (await _omni.OkAsync("list", "--queue", queue)).Out.Trim());
    }

    [Theory]
    [InlineData("list", "--frobnicate")]
    [InlineData("enqueue")]
    [InlineData("no-such-command")]
    [InlineData("list", "--limit", "many")]
    [InlineData("list", "--queue", "a", "--queue", "b")]
    [InlineData("enqueue-batch", "tasks.jsonl", "--chunk-size", "0")]
    [InlineData("schedules", "create", "s", "--overlap", "sometimes")]
    [InlineData()]
    public async Task Bad_command_lines_exit_2_with_a_message(params string[] args)
    {
        var run = await _omni.RunAsync(args);
        Assert.Equal(2, run.Exit);
        Assert.StartsWith("omni: ", run.Error, StringComparison.Ordinal);
        Assert.Contains("omni --help", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_oversized_payload_is_the_servers_413_problem_and_nothing_is_enqueued()
    {
        var queue = Omni.Queue("cli-oversized");
        var file = Path.GetTempFileName();
        await File.WriteAllTextAsync(file, "{\"blob\":\"" + new string('x', 300 * 1024) + "\"}");
        try
        {
            var run = await _omni.RunAsync("enqueue", "echo", "-q", queue, "--payload", "@" + file);
            Assert.Equal(1, run.Exit);
            Assert.StartsWith("omni: 413 Payload too large: ", run.Error, StringComparison.Ordinal);
            Assert.Contains("  code: payload_too_large", run.Error, StringComparison.Ordinal);
            Assert.Equal("No tasks.", (await _omni.OkAsync("list", "--queue", queue)).Out.Trim());
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task A_reused_idempotency_key_with_another_payload_is_a_conflict()
    {
        var queue = Omni.Queue("cli-idem");
        var key = Guid.NewGuid().ToString("N");
        await _omni.OkAsync("enqueue", "echo", "-q", queue, "-p", "1", "-k", key, "--delay", "1h");
        var run = await _omni.RunAsync("enqueue", "echo", "-q", queue, "-p", "2", "-k", key, "--delay", "1h");
        Assert.Equal(1, run.Exit);
        Assert.StartsWith("omni: 409 Conflict: ", run.Error, StringComparison.Ordinal);
        Assert.Contains("  code: idempotency_conflict", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_api_key_is_a_401_with_a_hint_and_a_missing_one_too()
    {
        var wrong = await new Omni(silo.Url).RunAsync("list", "--api-key", "not-the-key");
        Assert.Equal(1, wrong.Exit);
        Assert.StartsWith("omni: 401 API key rejected: The API key is not valid.", wrong.Error, StringComparison.Ordinal);
        Assert.Contains("  code: api_key_invalid", wrong.Error, StringComparison.Ordinal);
        Assert.Contains("--api-key or the OMNI_API_KEY", wrong.Error, StringComparison.Ordinal);

        var missing = await new Omni(silo.Url, apiKey: null).RunAsync("queues", "list");
        Assert.Equal(1, missing.Exit);
        Assert.Contains("  code: api_key_missing", missing.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refused_connection_is_explained_with_exit_3()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop(); // Nothing listens there now.

        var run = await new Omni(new Uri($"http://127.0.0.1:{port}")).RunAsync("list");
        Assert.Equal(3, run.Exit);
        Assert.Contains($"Could not connect to http://127.0.0.1:{port}/: connection refused.", run.Error, StringComparison.Ordinal);
        Assert.Contains("--url or OMNI_URL", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_url_that_is_not_http_is_a_usage_error()
    {
        var run = await _omni.RunAsync("list", "--url", "ftp://example");
        Assert.Equal(2, run.Exit);
        Assert.Contains("is not an http(s) URL", run.Error, StringComparison.Ordinal);
    }
}
