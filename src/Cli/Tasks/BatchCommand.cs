using System.CommandLine;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OmniActors.Cli.Hosting;
using OmniActors.Cli.Input;
using OmniActors.Cli.Output;

namespace OmniActors.Cli.Tasks;

/// <summary>
/// <c>enqueue-batch</c>: tasks from a JSON-lines file, sent in chunks to <c>POST /api/tasks/batch</c>. Every line is checked
/// before the first chunk is sent, so a malformed file enqueues nothing; progress goes to standard error.
/// </summary>
internal static class BatchCommand
{
    /// <summary>Bodies above this are split even under the chunk size (the server's default request limit is 64 MiB).</summary>
    private const int MaxChunkBytes = 8 * 1024 * 1024;

    public static void AddTo(RootCommand root, CliOptions options)
    {
        var file = new Argument<string>("file") { Description = "A JSON-lines file, one task per line as for 'POST /api/tasks' ({\"action\": …}); - reads standard input." };
        var queue = new Option<string?>("--queue", "-q") { Description = "Queue for lines that name none." };
        var chunk = new Option<int>("--chunk-size")
        {
            Description = "Tasks per request (default 500).",
            DefaultValueFactory = _ => 500,
        };
        chunk.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 10_000)
            {
                r.AddError("--chunk-size must be between 1 and 10000.");
            }
        });
        var command = new Command("enqueue-batch", "Enqueue many tasks from a JSON-lines file, in chunks, with progress.") { file, queue, chunk };
        options.Handle(command, async run =>
        {
            var lines = await ReadAsync(run.Get(file), run.Get(queue), run.Console, run.Cancel);
            if (lines.Count == 0)
            {
                throw new UsageException("The file holds no tasks.");
            }
            return await SendAsync(run, lines, run.Get(chunk));
        });
        root.Subcommands.Add(command);
    }

    private sealed record Line(int Number, JsonObject Task, int Bytes);

    private static async Task<List<Line>> ReadAsync(string file, string? queue, CliConsole console, CancellationToken cancellationToken)
    {
        TextReader reader;
        if (file == "-")
        {
            reader = console.In;
        }
        else
        {
            try
            {
                reader = new StreamReader(file, Encoding.UTF8);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
            {
                throw new UsageException($"Cannot read '{file}': {ex.Message}");
            }
        }
        var lines = new List<Line>();
        try
        {
            var number = 0;
            while (await reader.ReadLineAsync(cancellationToken) is { } text)
            {
                number++;
                if (string.IsNullOrWhiteSpace(text))
                {
                    continue;
                }
                if (JsonInput.Parse(text, $"Line {number}") is not JsonObject task)
                {
                    throw new UsageException($"Line {number} is not a JSON object (one task per line, e.g. {{\"action\":\"echo\",\"payload\":{{}}}}).");
                }
                if (task["action"] is not JsonValue action || action.GetValueKind() != JsonValueKind.String)
                {
                    throw new UsageException($"Line {number} has no \"action\" string.");
                }
                if (queue is not null && task["queue"] is null)
                {
                    task["queue"] = queue;
                }
                lines.Add(new Line(number, task, Encoding.UTF8.GetByteCount(text)));
            }
        }
        finally
        {
            if (file != "-")
            {
                reader.Dispose();
            }
        }
        return lines;
    }

    private static async Task<int> SendAsync(Invocation run, List<Line> lines, int chunkSize)
    {
        var progress = new Progress(run.Console, lines.Count, showing: lines.Count > chunkSize);
        var results = new JsonArray();
        int created = 0, existed = 0, failed = 0, sent = 0;
        var failures = new List<string>();
        while (sent < lines.Count)
        {
            var chunk = Chunk(lines, sent, chunkSize);
            var body = new JsonObject { ["tasks"] = new JsonArray([.. chunk.Select(l => l.Task.DeepClone())]) };
            Http.ApiResponse response;
            try
            {
                response = await run.Api.PostAsync("api/tasks/batch", body, run.Cancel);
            }
            catch (Exception ex) when (ex is ApiProblemException or ApiUnreachableException)
            {
                progress.Finish();
                await run.Error.WriteLineAsync(
                    $"omni: stopped after {sent} of {lines.Count} tasks were accepted (lines up to {(sent == 0 ? 0 : lines[sent - 1].Number)}); " +
                    "a rerun enqueues them again unless they carry idempotency keys.");
                throw;
            }
            var items = response.Json.Items().ToList();
            for (var i = 0; i < chunk.Count; i++)
            {
                var item = i < items.Count ? items[i] : default;
                results.Add(item.ValueKind == JsonValueKind.Undefined ? null : JsonNode.Parse(item.GetRawText()));
                var error = item.Field("error");
                if (error.ValueKind == JsonValueKind.Object)
                {
                    failed++;
                    failures.Add($"line {chunk[i].Number}: {error.Text("message")} (code: {error.Text("code")})");
                }
                else if (item.Field("created").ValueKind == JsonValueKind.True)
                {
                    created++;
                }
                else
                {
                    existed++;
                }
            }
            sent += chunk.Count;
            progress.Report(sent, failed);
        }
        progress.Finish();
        if (run.Json)
        {
            await run.Out.WriteLineAsync(results.ToJsonString());
        }
        else
        {
            await run.Out.WriteLineAsync($"{lines.Count} tasks: {created} enqueued, {existed} already enqueued, {failed} refused.");
        }
        foreach (var failure in failures)
        {
            await run.Error.WriteLineAsync($"omni: refused {failure}");
        }
        return failed == 0 ? ExitCodes.Ok : ExitCodes.Failed;
    }

    private static List<Line> Chunk(List<Line> lines, int start, int chunkSize)
    {
        var chunk = new List<Line>();
        var bytes = 0;
        for (var i = start; i < lines.Count && chunk.Count < chunkSize; i++)
        {
            if (chunk.Count > 0 && bytes + lines[i].Bytes > MaxChunkBytes)
            {
                break;
            }
            chunk.Add(lines[i]);
            bytes += lines[i].Bytes;
        }
        return chunk;
    }

    /// <summary>Progress on standard error: one redrawn line on a terminal, a line per chunk otherwise.</summary>
    private sealed class Progress(CliConsole console, int total, bool showing)
    {
        private bool _open;

        public void Report(int sent, int failed)
        {
            if (!showing)
            {
                return;
            }
            var text = $"enqueue-batch: {sent}/{total} sent ({100L * sent / total}%), {failed} refused";
            if (console.ErrorIsTerminal)
            {
                console.Error.Write($"\r{text}");
                _open = true;
            }
            else
            {
                console.Error.WriteLine(text);
            }
        }

        public void Finish()
        {
            if (_open)
            {
                console.Error.WriteLine();
                _open = false;
            }
        }
    }
}
