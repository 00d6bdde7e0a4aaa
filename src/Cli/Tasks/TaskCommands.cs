using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using OmniActors.Cli.Events;
using OmniActors.Cli.Hosting;
using OmniActors.Cli.Http;
using OmniActors.Cli.Input;
using OmniActors.Cli.Output;

namespace OmniActors.Cli.Tasks;

/// <summary><c>enqueue</c>, <c>get</c>, <c>list</c>, <c>cancel</c> and <c>history</c>: one task at a time, over <c>/api/tasks</c>.</summary>
internal static class TaskCommands
{
    public static void AddTo(RootCommand root, CliOptions options)
    {
        root.Subcommands.Add(Enqueue(options));
        root.Subcommands.Add(Get(options));
        root.Subcommands.Add(List(options));
        root.Subcommands.Add(Cancel(options));
        root.Subcommands.Add(History(options));
    }

    /// <summary>A task id argument.</summary>
    public static Argument<string> TaskId(string description = "The task id.") => new("task-id") { Description = description };

    private static Command Enqueue(CliOptions options)
    {
        var action = new Argument<string>("action") { Description = "The registered action that runs the task (e.g. echo, http)." };
        var queue = new Option<string?>("--queue", "-q") { Description = "The queue (default: 'default')." };
        var payload = new Option<string?>("--payload", "-p") { Description = "The task's JSON payload: inline JSON, @file, or - for standard input." };
        var priority = new Option<int?>("--priority") { Description = "Higher runs first (default 0)." };
        var delay = new Option<string?>("--delay") { Description = "Run no earlier than this from now: 30s, 5m, 2h, 1d or hh:mm:ss." };
        var runAt = new Option<DateTimeOffset?>("--run-at") { Description = "Run no earlier than this instant (ISO 8601)." };
        var key = new Option<string?>("--idempotency-key", "-k") { Description = "Repeats with the same key return the same task." };
        var dependsOn = new Option<string[]>("--depends-on") { Description = "Run only after this task (repeat the option for several)." };
        var timeout = new Option<string?>("--timeout") { Description = "Per-attempt timeout, e.g. 30s." };
        var maxAttempts = new Option<int?>("--max-attempts") { Description = "Attempts before the task is dead-lettered." };
        var runWhen = new Option<string?>("--run-when") { Description = "With --depends-on: all_succeeded (default), any_failed or all_ended." };
        runWhen.AcceptOnlyFromAmong("all_succeeded", "any_failed", "all_ended");
        var onFailure = new Option<string?>("--on-dependency-failure") { Description = "With --depends-on: fail (default) or cancel." };
        onFailure.AcceptOnlyFromAmong("fail", "cancel");
        var approval = new Option<bool>("--requires-approval") { Description = "Wait in the approval queue for a person's decision before running." };
        var command = new Command("enqueue", "Enqueue a task.")
        {
            action, queue, payload, priority, delay, runAt, key, dependsOn, runWhen, onFailure, approval, timeout, maxAttempts,
        };
        options.Handle(command, async run =>
        {
            var body = new JsonObject { ["action"] = run.Get(action) };
            if (run.Get(payload) is { } p)
            {
                body["payload"] = await JsonInput.ReadAsync(p, "--payload", run.Console, run.Cancel);
            }
            Set(body, "queue", run.Get(queue));
            Set(body, "priority", run.Get(priority));
            Set(body, "delaySeconds", Durations.Seconds(run.Get(delay), "--delay"));
            Set(body, "runAt", run.Get(runAt));
            Set(body, "idempotencyKey", run.Get(key));
            Set(body, "timeoutSeconds", Durations.Seconds(run.Get(timeout), "--timeout"));
            if (run.Get(maxAttempts) is { } attempts)
            {
                body["retry"] = new JsonObject { ["maxAttempts"] = attempts };
            }
            Set(body, "runWhen", run.Get(runWhen));
            Set(body, "onDependencyFailure", run.Get(onFailure));
            if (run.Get(approval))
            {
                body["requiresApproval"] = true;
            }
            if (run.Get(dependsOn) is { Length: > 0 } ids)
            {
                body["dependsOn"] = new JsonArray([.. ids.Select(id => (JsonNode)JsonValue.Create(id))]);
            }
            var response = await run.Api.PostAsync("api/tasks", body, run.Cancel);
            return run.Emit(response, task => run.Out.WriteLine(response.Status == 201
                ? $"Enqueued {task.Text("id")} on queue {task.Text("queue")} ({task.Text("status")})."
                : $"Already enqueued under that idempotency key: {task.Text("id")} on queue {task.Text("queue")} ({task.Text("status")})."));
        });
        return command;
    }

    private static Command Get(CliOptions options)
    {
        var id = TaskId();
        var command = new Command("get", "Show a task: status, attempts, payload, result, last error.") { id };
        options.Handle(command, async run =>
        {
            var response = await run.Api.GetAsync($"api/tasks/{Paths.Segment(run.Get(id))}", run.Cancel);
            return run.Emit(response, task => TaskView.WriteDetail(run.Out, task));
        });
        return command;
    }

    private static Command List(CliOptions options)
    {
        var queue = new Option<string?>("--queue", "-q") { Description = "Only this queue." };
        var status = new Option<string?>("--status", "-s")
        {
            Description = "Only this status: scheduled, queued, running, retrying, succeeded, dead_lettered, cancelled, …",
        };
        var limit = new Option<int?>("--limit", "-n") { Description = "Tasks per page (default 50)." };
        var cursor = new Option<string?>("--cursor") { Description = "Continue after a previous page (its next cursor)." };
        var all = new Option<bool>("--all") { Description = "Follow the cursors and list every matching task." };
        var command = new Command("list", "List tasks, newest first, by queue and status.") { queue, status, limit, cursor, all };
        options.Handle(command, async run =>
        {
            var next = run.Get(cursor);
            var items = new List<JsonElement>();
            ApiResponse page;
            do
            {
                var path = Paths.WithQuery("api/tasks", ("queue", run.Get(queue)), ("status", run.Get(status)),
                    ("limit", run.Get(limit)?.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("cursor", next));
                page = await run.Api.GetAsync(path, run.Cancel);
                if (!run.Get(all))
                {
                    return run.Emit(page, json =>
                    {
                        TaskView.WriteTable(run.Out, json.Items());
                        if (json.Text("nextCursor") is { Length: > 0 } more)
                        {
                            run.Error.WriteLine($"More tasks: add --cursor {more} (or use --all).");
                        }
                    });
                }
                items.AddRange(page.Json.Items());
                next = page.Json.Text("nextCursor");
            }
            while (next.Length > 0);
            if (run.Json)
            {
                run.Out.WriteLine(new JsonObject { ["items"] = new JsonArray([.. items.Select(i => JsonNode.Parse(i.GetRawText()))]) }.ToJsonString());
            }
            else
            {
                TaskView.WriteTable(run.Out, items);
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Cancel(CliOptions options)
    {
        var id = TaskId();
        var reason = new Option<string?>("--reason") { Description = "Why (kept on the task)." };
        var command = new Command("cancel", "Cancel a queued or running task.") { id, reason };
        options.Handle(command, async run =>
        {
            var body = new JsonObject();
            Set(body, "reason", run.Get(reason));
            var response = await run.Api.PostAsync($"api/tasks/{Paths.Segment(run.Get(id))}/cancel", body, run.Cancel);
            return run.Emit(response, task => run.Out.WriteLine($"Task {task.Text("id")} is {task.Text("status")}."));
        });
        return command;
    }

    private static Command History(CliOptions options)
    {
        var id = TaskId();
        var limit = new Option<int?>("--limit", "-n") { Description = "Events per page (default: the server's maximum)." };
        var cursor = new Option<string?>("--cursor") { Description = "Continue after a previous page." };
        var command = new Command("history", "A task's lifecycle events, in order.") { id, limit, cursor };
        options.Handle(command, async run =>
        {
            var path = Paths.WithQuery($"api/tasks/{Paths.Segment(run.Get(id))}/history",
                ("limit", run.Get(limit)?.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("cursor", run.Get(cursor)));
            var response = await run.Api.GetAsync(path, run.Cancel);
            return run.Emit(response, page =>
            {
                EventView.WriteTable(run.Out, page.Items());
                if (page.Text("nextCursor") is { Length: > 0 } more)
                {
                    run.Error.WriteLine($"More events: add --cursor {more}.");
                }
            });
        });
        return command;
    }

    /// <summary>Sets a field only when the user gave a value (the server's defaults apply otherwise).</summary>
    public static void Set(JsonObject body, string name, JsonNode? value)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (value is not null)
        {
            body[name] = value;
        }
    }
}
