using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using OmniActors.Cli.Hosting;
using OmniActors.Cli.Http;
using OmniActors.Cli.Input;
using OmniActors.Cli.Output;
using OmniActors.Cli.Tasks;

namespace OmniActors.Cli.Schedules;

/// <summary><c>schedules list|get|create|pause|resume|trigger|history|delete</c> over <c>/api/schedules</c>.</summary>
internal static class ScheduleCommands
{
    public static void AddTo(RootCommand root, CliOptions options)
    {
        var command = new Command("schedules", "Cron, interval and one-shot schedules that enqueue tasks.");
        var list = new Command("list", "Every schedule with its next fire time.");
        options.Handle(list, async run =>
        {
            var response = await run.Api.GetAsync("api/schedules", run.Cancel);
            return run.Emit(response, schedules => WriteTable(run.Out, schedules.Items()));
        });
        command.Subcommands.Add(list);
        command.Subcommands.Add(Create(options));
        command.Subcommands.Add(Named(options, "get", "Show a schedule.", HttpMethod.Get, ""));
        command.Subcommands.Add(Named(options, "pause", "Stop a schedule's fires.", HttpMethod.Post, "/pause"));
        command.Subcommands.Add(Named(options, "resume", "Fire a paused schedule again (missed fires follow its misfire policy).", HttpMethod.Post, "/resume"));
        command.Subcommands.Add(Trigger(options));
        command.Subcommands.Add(History(options));
        command.Subcommands.Add(Delete(options));
        root.Subcommands.Add(command);
    }

    private static Argument<string> Name() => new("name") { Description = "The schedule's name." };

    private static Command Create(CliOptions options)
    {
        var name = Name();
        var spec = new Option<string?>("--spec") { Description = "The whole schedule as JSON (as for PUT /api/schedules/{name}): inline, @file or -; flags override its fields." };
        var cron = new Option<string?>("--cron") { Description = "Cron expression: six fields with seconds, or the classic five." };
        var timeZone = new Option<string?>("--time-zone", "--tz") { Description = "IANA time zone of the cron expression (default UTC)." };
        var interval = new Option<string?>("--interval") { Description = "Fire every this long: 30s, 5m, 1h, …" };
        var startAt = new Option<DateTimeOffset?>("--start-at") { Description = "First fire of an interval schedule (ISO 8601)." };
        var at = new Option<DateTimeOffset?>("--at") { Description = "Fire once at this instant (ISO 8601)." };
        var action = new Option<string?>("--action", "-a") { Description = "The action each fire enqueues." };
        var payload = new Option<string?>("--payload", "-p") { Description = "The task's JSON payload: inline, @file or -." };
        var queue = new Option<string?>("--queue", "-q") { Description = "The task's queue." };
        var priority = new Option<int?>("--priority") { Description = "The task's priority." };
        var misfire = new Option<string?>("--misfire") { Description = "Missed fires: fire_once_now (default), skip_to_next or fire_all." };
        misfire.AcceptOnlyFromAmong("fire_once_now", "skip_to_next", "fire_all");
        var overlap = new Option<string?>("--overlap") { Description = "A fire while the last task still runs: skip (default), allow or buffer_one." };
        overlap.AcceptOnlyFromAmong("skip", "allow", "buffer_one");
        var command = new Command("create", "Create or update a schedule (PUT: the same name replaces it).")
        {
            name, spec, cron, timeZone, interval, startAt, at, action, payload, queue, priority, misfire, overlap,
        };
        options.Handle(command, async run =>
        {
            var body = new JsonObject();
            if (run.Get(spec) is { } s)
            {
                body = await JsonInput.ReadAsync(s, "--spec", run.Console, run.Cancel) as JsonObject
                    ?? throw new UsageException("--spec must be a JSON object.");
            }
            TaskCommands.Set(body, "cron", run.Get(cron));
            TaskCommands.Set(body, "timeZone", run.Get(timeZone));
            TaskCommands.Set(body, "intervalSeconds", Durations.Seconds(run.Get(interval), "--interval"));
            TaskCommands.Set(body, "startAt", run.Get(startAt));
            TaskCommands.Set(body, "at", run.Get(at));
            TaskCommands.Set(body, "misfire", run.Get(misfire));
            TaskCommands.Set(body, "overlap", run.Get(overlap));
            var task = body["task"] as JsonObject ?? new JsonObject();
            TaskCommands.Set(task, "action", run.Get(action));
            TaskCommands.Set(task, "queue", run.Get(queue));
            TaskCommands.Set(task, "priority", run.Get(priority));
            if (run.Get(payload) is { } p)
            {
                task["payload"] = await JsonInput.ReadAsync(p, "--payload", run.Console, run.Cancel);
            }
            if (task["action"] is null)
            {
                throw new UsageException("schedules create: give --action (the action each fire enqueues) or a --spec with a task.");
            }
            if (body["cron"] is null && body["intervalSeconds"] is null && body["at"] is null)
            {
                throw new UsageException("schedules create: give one of --cron, --interval or --at.");
            }
            body["task"] = task;
            var response = await run.Api.SendAsync(HttpMethod.Put, $"api/schedules/{Paths.Segment(run.Get(name))}", body, run.Cancel);
            return run.Emit(response, schedule =>
            {
                run.Out.WriteLine($"{(response.Status == 201 ? "Created" : "Updated")} schedule {schedule.Text("name")}; next fire {Or(schedule.Text("nextFireAt"), "none")}.");
            });
        });
        return command;
    }

    private static Command Named(CliOptions options, string verb, string description, HttpMethod method, string suffix)
    {
        var name = Name();
        var command = new Command(verb, description) { name };
        options.Handle(command, async run =>
        {
            var response = await run.Api.SendAsync(method, $"api/schedules/{Paths.Segment(run.Get(name))}{suffix}",
                method == HttpMethod.Post ? new JsonObject() : null, run.Cancel);
            return run.Emit(response, s => WriteDetail(run.Out, s));
        });
        return command;
    }

    private static Command Trigger(CliOptions options)
    {
        var name = Name();
        var fireTime = new Option<DateTimeOffset?>("--fire-time") { Description = "Fire as the fire of this instant: repeating it never enqueues a second task." };
        var command = new Command("trigger", "Fire a schedule now.") { name, fireTime };
        options.Handle(command, async run =>
        {
            var body = new JsonObject();
            TaskCommands.Set(body, "fireTime", run.Get(fireTime));
            var response = await run.Api.PostAsync($"api/schedules/{Paths.Segment(run.Get(name))}/trigger", body, run.Cancel);
            return run.Emit(response, fire => run.Out.WriteLine(
                $"Fired {run.Get(name)} at {fire.Text("fireTime")}: {fire.Text("outcome")}{(fire.Text("taskId") is { Length: > 0 } id ? $", task {id}" : "")}."));
        });
        return command;
    }

    private static Command History(CliOptions options)
    {
        var name = Name();
        var limit = new Option<int?>("--limit", "-n") { Description = "Most recent fires to show (default 100)." };
        var command = new Command("history", "A schedule's recent fires, newest first.") { name, limit };
        options.Handle(command, async run =>
        {
            var path = Paths.WithQuery($"api/schedules/{Paths.Segment(run.Get(name))}/history", ("limit", run.Get(limit)?.ToString(CultureInfo.InvariantCulture)));
            var response = await run.Api.GetAsync(path, run.Cancel);
            return run.Emit(response, fires =>
            {
                var table = new Table("FIRE TIME", "OUTCOME", "TASK", "MANUAL", "DETAIL");
                foreach (var f in fires.Items())
                {
                    table.Add(f.Text("fireTime"), f.Text("outcome"), f.Text("taskId"), f.Text("manual"), f.Text("detail"));
                }
                if (table.Count == 0)
                {
                    run.Out.WriteLine("No fires yet.");
                    return;
                }
                table.Write(run.Out);
            });
        });
        return command;
    }

    private static Command Delete(CliOptions options)
    {
        var name = Name();
        var command = new Command("delete", "Delete a schedule (tasks it enqueued stay).") { name };
        options.Handle(command, async run =>
        {
            await run.Api.SendAsync(HttpMethod.Delete, $"api/schedules/{Paths.Segment(run.Get(name))}", null, run.Cancel);
            run.Out.WriteLine(run.Json
                ? new JsonObject { ["name"] = run.Get(name), ["deleted"] = true }.ToJsonString()
                : $"Deleted schedule {run.Get(name)}.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static void WriteTable(TextWriter writer, IEnumerable<JsonElement> schedules)
    {
        var table = new Table("NAME", "WHEN", "STATE", "NEXT FIRE", "LAST FIRE", "FIRES", "ACTION", "QUEUE");
        foreach (var s in schedules)
        {
            var task = s.Field("task");
            table.Add(s.Text("name"), When(s), State(s), s.Text("nextFireAt"), s.Text("lastFireAt"), s.Text("fireCount"),
                task.Text("action"), Or(task.Text("queue"), "default"));
        }
        if (table.Count == 0)
        {
            writer.WriteLine("No schedules.");
            return;
        }
        table.Write(writer);
    }

    private static void WriteDetail(TextWriter writer, JsonElement s)
    {
        var task = s.Field("task");
        Table.WritePairs(writer,
        [
            ("name", s.Text("name")),
            ("kind", s.Text("kind")),
            ("when", When(s)),
            ("state", State(s)),
            ("misfire", s.Text("misfire")),
            ("overlap", s.Text("overlap")),
            ("next fire", s.Text("nextFireAt")),
            ("last fire", s.Text("lastFireAt")),
            ("last task", s.Text("lastTaskId")),
            ("fires", s.Text("fireCount")),
            ("action", task.Text("action")),
            ("queue", Or(task.Text("queue"), "default")),
            ("payload", task.Field("payload") is { ValueKind: not JsonValueKind.Undefined and not JsonValueKind.Null } p ? p.GetRawText() : ""),
            ("created", s.Text("createdAt")),
            ("updated", s.Text("updatedAt")),
        ]);
    }

    private static string When(JsonElement s)
    {
        if (s.Text("cron") is { Length: > 0 } cron)
        {
            return s.Text("timeZone") is { Length: > 0 } tz ? $"cron {cron} ({tz})" : $"cron {cron}";
        }
        if (s.Field("intervalSeconds") is { ValueKind: JsonValueKind.Number } seconds)
        {
            return $"every {TimeSpan.FromSeconds(seconds.GetDouble()).ToString("c", CultureInfo.InvariantCulture)}";
        }
        return s.Text("at") is { Length: > 0 } at ? $"once at {at}" : "";
    }

    private static string State(JsonElement s) =>
        s.Field("completed").ValueKind == JsonValueKind.True ? "completed"
        : s.Field("paused").ValueKind == JsonValueKind.True ? "paused" : "active";

    private static string Or(string value, string fallback) => value.Length > 0 ? value : fallback;
}
