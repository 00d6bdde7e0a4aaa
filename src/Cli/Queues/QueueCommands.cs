using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using OmniActors.Cli.Hosting;
using OmniActors.Cli.Http;
using OmniActors.Cli.Output;

namespace OmniActors.Cli.Queues;

/// <summary><c>queues list|stats|pause|resume</c> over <c>/api/queues</c>.</summary>
internal static class QueueCommands
{
    public static void AddTo(RootCommand root, CliOptions options)
    {
        var command = new Command("queues", "Queues: figures, pause and resume.");
        var list = new Command("list", "Every queue with its depth, running tasks and throughput.");
        options.Handle(list, async run =>
        {
            var response = await run.Api.GetAsync("api/queues", run.Cancel);
            return run.Emit(response, queues => WriteTable(run.Out, queues.Items()));
        });
        command.Subcommands.Add(list);
        command.Subcommands.Add(One(options, "stats", "A queue's figures.", HttpMethod.Get, ""));
        command.Subcommands.Add(One(options, "pause", "Stop dispatching a queue's tasks (running ones finish).", HttpMethod.Post, "/pause"));
        command.Subcommands.Add(One(options, "resume", "Dispatch a paused queue's tasks again.", HttpMethod.Post, "/resume"));
        root.Subcommands.Add(command);
    }

    private static Command One(CliOptions options, string name, string description, HttpMethod method, string suffix)
    {
        var queue = new Argument<string>("queue") { Description = "The queue name." };
        var command = new Command(name, description) { queue };
        options.Handle(command, async run =>
        {
            var response = await run.Api.SendAsync(method, $"api/queues/{Paths.Segment(run.Get(queue))}{suffix}",
                method == HttpMethod.Post ? new System.Text.Json.Nodes.JsonObject() : null, run.Cancel);
            return run.Emit(response, stats =>
            {
                if (name != "stats")
                {
                    run.Out.WriteLine($"Queue {stats.Text("queue")} is {(stats.Field("paused").ValueKind == JsonValueKind.True ? "paused" : "running")}.");
                }
                WriteDetail(run.Out, stats);
            });
        });
        return command;
    }

    private static void WriteTable(TextWriter writer, IEnumerable<JsonElement> queues)
    {
        var table = new Table("QUEUE", "STATE", "READY", "SCHEDULED", "RUNNING", "CONCURRENCY", "SUCCEEDED", "FAILED", "PER MIN", "FAILURE RATE");
        foreach (var q in queues)
        {
            table.Add(q.Text("queue"), State(q), q.Text("ready"), q.Text("scheduled"), q.Text("running"), q.Text("concurrency"),
                q.Text("succeeded"), q.Text("failed"), q.Text("throughputPerMinute"), Rate(q));
        }
        if (table.Count == 0)
        {
            writer.WriteLine("No queues.");
            return;
        }
        table.Write(writer);
    }

    private static void WriteDetail(TextWriter writer, JsonElement q) => Table.WritePairs(writer,
    [
        ("queue", q.Text("queue")),
        ("state", State(q)),
        ("ready", q.Text("ready")),
        ("scheduled", q.Text("scheduled")),
        ("running", q.Text("running")),
        ("concurrency", q.Text("concurrency")),
        ("partitions", q.Text("partitions")),
        ("succeeded", q.Text("succeeded")),
        ("failed", q.Text("failed")),
        ("per minute", q.Text("throughputPerMinute")),
        ("failure rate", Rate(q)),
    ]);

    private static string State(JsonElement q) => q.Field("paused").ValueKind == JsonValueKind.True ? "paused" : "active";

    private static string Rate(JsonElement q) =>
        q.Field("failureRate") is { ValueKind: JsonValueKind.Number } r ? r.GetDouble().ToString("P1", CultureInfo.InvariantCulture) : "";
}
