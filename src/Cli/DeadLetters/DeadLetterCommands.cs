using System.CommandLine;
using System.Globalization;
using OmniActors.Cli.Hosting;
using OmniActors.Cli.Http;
using OmniActors.Cli.Output;
using OmniActors.Cli.Tasks;

namespace OmniActors.Cli.DeadLetters;

/// <summary><c>dead-letters list|get|requeue|purge</c> over <c>/api/dead-letters</c>.</summary>
internal static class DeadLetterCommands
{
    public static void AddTo(RootCommand root, CliOptions options)
    {
        var command = new Command("dead-letters", "Tasks that ran out of attempts: list, inspect, requeue, purge.");
        command.Aliases.Add("dlq");
        command.Subcommands.Add(List(options));
        command.Subcommands.Add(Get(options));
        command.Subcommands.Add(Requeue(options));
        command.Subcommands.Add(Purge(options));
        root.Subcommands.Add(command);
    }

    private static Command List(CliOptions options)
    {
        var queue = new Option<string?>("--queue", "-q") { Description = "Only this queue." };
        var limit = new Option<int?>("--limit", "-n") { Description = "Dead letters per page (default 50)." };
        var cursor = new Option<string?>("--cursor") { Description = "Continue after a previous page." };
        var command = new Command("list", "List dead letters, newest first.") { queue, limit, cursor };
        options.Handle(command, async run =>
        {
            var path = Paths.WithQuery("api/dead-letters", ("queue", run.Get(queue)),
                ("limit", run.Get(limit)?.ToString(CultureInfo.InvariantCulture)), ("cursor", run.Get(cursor)));
            var response = await run.Api.GetAsync(path, run.Cancel);
            return run.Emit(response, page =>
            {
                var table = new Table("ID", "QUEUE", "ACTION", "ATTEMPTS", "FINISHED", "LAST ERROR");
                foreach (var t in page.Items())
                {
                    var error = t.Field("lastError");
                    table.Add(t.Text("id"), t.Text("queue"), t.Text("action"), t.Text("attempt"), t.Text("finishedAt"),
                        $"{error.Text("type")}: {error.Text("message")}".Trim(' ', ':'));
                }
                if (table.Count == 0)
                {
                    run.Out.WriteLine("No dead letters.");
                }
                else
                {
                    table.Write(run.Out);
                }
                if (page.Text("nextCursor") is { Length: > 0 } more)
                {
                    run.Error.WriteLine($"More dead letters: add --cursor {more}.");
                }
            });
        });
        return command;
    }

    private static Command Get(CliOptions options)
    {
        var id = TaskCommands.TaskId();
        var command = new Command("get", "Show one dead letter.") { id };
        options.Handle(command, async run =>
        {
            var response = await run.Api.GetAsync($"api/dead-letters/{Paths.Segment(run.Get(id))}", run.Cancel);
            return run.Emit(response, task => TaskView.WriteDetail(run.Out, task));
        });
        return command;
    }

    private static Command Requeue(CliOptions options)
    {
        var id = new Argument<string?>("task-id") { Description = "The dead letter to requeue.", Arity = ArgumentArity.ZeroOrOne };
        var all = new Option<bool>("--all") { Description = "Requeue every dead letter (of --queue, if given)." };
        var queue = new Option<string?>("--queue", "-q") { Description = "With --all: only this queue." };
        var command = new Command("requeue", "Put a dead letter (or all of them) back in its queue with fresh attempts.") { id, all, queue };
        options.Handle(command, async run =>
        {
            var one = OneOrAll(run.Get(id), run.Get(all), run.Get(queue), "requeue");
            if (one is { } taskId)
            {
                var response = await run.Api.PostAsync($"api/dead-letters/{Paths.Segment(taskId)}/requeue", null, run.Cancel);
                return run.Emit(response, t => run.Out.WriteLine($"Requeued {t.Text("id")} on queue {t.Text("queue")} ({t.Text("status")})."));
            }
            var bulk = await run.Api.PostAsync(Paths.WithQuery("api/dead-letters/requeue", ("queue", run.Get(queue))), null, run.Cancel);
            return run.Emit(bulk, c => run.Out.WriteLine($"Requeued {c.Text("count")} dead letters."));
        });
        return command;
    }

    private static Command Purge(CliOptions options)
    {
        var id = new Argument<string?>("task-id") { Description = "The dead letter to delete.", Arity = ArgumentArity.ZeroOrOne };
        var all = new Option<bool>("--all") { Description = "Delete every dead letter (of --queue, if given)." };
        var queue = new Option<string?>("--queue", "-q") { Description = "With --all: only this queue." };
        var command = new Command("purge", "Delete a dead letter (or all of them) for good.") { id, all, queue };
        options.Handle(command, async run =>
        {
            var one = OneOrAll(run.Get(id), run.Get(all), run.Get(queue), "purge");
            if (one is { } taskId)
            {
                var response = await run.Api.SendAsync(HttpMethod.Delete, $"api/dead-letters/{Paths.Segment(taskId)}", null, run.Cancel);
                if (run.Json)
                {
                    run.Out.WriteLine($$"""{"id":"{{System.Text.Encodings.Web.JavaScriptEncoder.Default.Encode(taskId)}}","purged":true}""");
                }
                else
                {
                    run.Out.WriteLine($"Purged {taskId}.");
                }
                return ExitCodes.Ok;
            }
            var bulk = await run.Api.SendAsync(HttpMethod.Delete, Paths.WithQuery("api/dead-letters", ("queue", run.Get(queue))), null, run.Cancel);
            return run.Emit(bulk, c => run.Out.WriteLine($"Purged {c.Text("count")} dead letters."));
        });
        return command;
    }

    /// <summary>The id to act on, or null for all; a usage error unless exactly one of the two was asked for.</summary>
    private static string? OneOrAll(string? id, bool all, string? queue, string verb)
    {
        if (id is not null && all)
        {
            throw new UsageException($"dead-letters {verb}: give a task id or --all, not both.");
        }
        if (id is null && !all)
        {
            throw new UsageException($"dead-letters {verb}: give a task id, or --all (with --queue to limit it) to {verb} every dead letter.");
        }
        if (id is not null && queue is not null)
        {
            throw new UsageException($"dead-letters {verb}: --queue applies only with --all.");
        }
        return id;
    }
}
