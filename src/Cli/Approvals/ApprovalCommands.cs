using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using OmniActors.Cli.Hosting;
using OmniActors.Cli.Http;
using OmniActors.Cli.Input;
using OmniActors.Cli.Output;
using OmniActors.Cli.Tasks;

namespace OmniActors.Cli.Approvals;

/// <summary><c>approvals list|accept|modify|reject|takeover</c> over <c>/api/approvals</c>: the human decisions on tasks awaiting approval.</summary>
internal static class ApprovalCommands
{
    public static void AddTo(RootCommand root, CliOptions options)
    {
        var command = new Command("approvals", "Tasks awaiting a human decision: list, accept, modify, reject, take over.");
        command.Subcommands.Add(List(options));
        command.Subcommands.Add(Decision(options, "accept", "Let the task run as it is.", comment: true, reason: false, payload: false, result: false));
        command.Subcommands.Add(Decision(options, "modify", "Let the task run with a changed payload.", comment: true, reason: false, payload: true, result: false));
        command.Subcommands.Add(Decision(options, "reject", "Refuse the task; it does not run.", comment: false, reason: true, payload: false, result: false));
        command.Subcommands.Add(Decision(options, "takeover", "Do the work yourself: the task ends with the result you give.", comment: false, reason: false, payload: false, result: true));
        root.Subcommands.Add(command);
    }

    private static Command List(CliOptions options)
    {
        var queue = new Option<string?>("--queue", "-q") { Description = "Only this queue." };
        var limit = new Option<int?>("--limit", "-n") { Description = "Approvals per page." };
        var cursor = new Option<string?>("--cursor") { Description = "Continue after a previous page." };
        var command = new Command("list", "Tasks awaiting approval, oldest first.") { queue, limit, cursor };
        options.Handle(command, async run =>
        {
            var path = Paths.WithQuery("api/approvals", ("queue", run.Get(queue)),
                ("limit", run.Get(limit)?.ToString(CultureInfo.InvariantCulture)), ("cursor", run.Get(cursor)));
            var response = await run.Api.GetAsync(path, run.Cancel);
            return run.Emit(response, page =>
            {
                var table = new Table("TASK", "QUEUE", "ACTION", "STATUS", "WAITING SINCE", "PAYLOAD");
                foreach (var a in page.Items())
                {
                    // An item is a task, or an approval record that holds one.
                    var task = a.Field("task") is { ValueKind: System.Text.Json.JsonValueKind.Object } inner ? inner : a;
                    table.Add(a.FirstText("taskId", "id"), task.Text("queue"), task.Text("action"), task.Text("status"),
                        a.FirstText("requestedAt", "since", "updatedAt", "createdAt"), Compact(task.Field("payload")));
                }
                if (table.Count == 0)
                {
                    run.Out.WriteLine("No tasks await approval.");
                }
                else
                {
                    table.Write(run.Out);
                }
                if (page.Text("nextCursor") is { Length: > 0 } more)
                {
                    run.Error.WriteLine($"More approvals: add --cursor {more}.");
                }
            });
        });
        return command;
    }

    private static Command Decision(CliOptions options, string verb, string description, bool comment, bool reason, bool payload, bool result)
    {
        var id = TaskCommands.TaskId("The task awaiting approval.");
        var by = new Option<string?>("--by") { Description = "Who decides (default: the USER environment variable)." };
        var commentOption = new Option<string?>("--comment") { Description = "A note kept with the decision." };
        var reasonOption = new Option<string>("--reason") { Description = "Why the task is refused.", Required = true };
        var payloadOption = new Option<string>("--payload", "-p") { Description = "The new JSON payload: inline, @file or -.", Required = true };
        var resultOption = new Option<string>("--result") { Description = "The task's result as JSON: inline, @file or -.", Required = true };
        var command = new Command(verb, description) { id, by };
        if (comment)
        {
            command.Options.Add(commentOption);
        }
        if (reason)
        {
            command.Options.Add(reasonOption);
        }
        if (payload)
        {
            command.Options.Add(payloadOption);
        }
        if (result)
        {
            command.Options.Add(resultOption);
        }
        options.Handle(command, async run =>
        {
            var who = run.Get(by) ?? run.Console.Environment("OMNI_USER") ?? run.Console.Environment("USER") ?? Environment.UserName;
            var body = new JsonObject { ["by"] = who };
            if (comment)
            {
                TaskCommands.Set(body, "comment", run.Get(commentOption));
            }
            if (reason)
            {
                body["reason"] = run.Get(reasonOption);
            }
            if (payload)
            {
                body["payload"] = await JsonInput.ReadAsync(run.Get(payloadOption)!, "--payload", run.Console, run.Cancel);
            }
            if (result)
            {
                body["result"] = await JsonInput.ReadAsync(run.Get(resultOption)!, "--result", run.Console, run.Cancel);
            }
            var taskId = run.Get(id);
            var response = await run.Api.PostAsync($"api/approvals/{Paths.Segment(taskId)}/{verb}", body, run.Cancel);
            return run.Emit(response, answer =>
            {
                var task = answer.Field("task") is { ValueKind: System.Text.Json.JsonValueKind.Object } inner ? inner : answer;
                var status = task.Text("status");
                run.Out.WriteLine(status.Length > 0 ? $"{Past(verb)} {taskId}: task is {status}." : $"{Past(verb)} {taskId}.");
            });
        });
        return command;
    }

    private static string Compact(System.Text.Json.JsonElement value) =>
        value.ValueKind is System.Text.Json.JsonValueKind.Undefined or System.Text.Json.JsonValueKind.Null ? "" : value.GetRawText();

    private static string Past(string verb) => verb switch
    {
        "accept" => "Accepted",
        "modify" => "Modified and accepted",
        "reject" => "Rejected",
        _ => "Took over",
    };
}
