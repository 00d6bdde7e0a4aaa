using System.Text.Json;
using OmniActors.Cli.Output;

namespace OmniActors.Cli.Tasks;

/// <summary>How tasks read on a terminal.</summary>
internal static class TaskView
{
    /// <summary>One task as key/value lines.</summary>
    public static void WriteDetail(TextWriter writer, JsonElement task)
    {
        var error = task.Field("lastError");
        var errorText = error.ValueKind == JsonValueKind.Object
            ? $"{error.Text("type")}: {error.Text("message")}".Trim(' ', ':')
            : "";
        Table.WritePairs(writer,
        [
            ("id", task.Text("id")),
            ("queue", task.Text("queue")),
            ("action", task.Text("action")),
            ("status", task.Text("status")),
            ("attempt", $"{task.Text("attempt")}/{task.Text("maxAttempts")}".Trim('/')),
            ("priority", task.Text("priority")),
            ("created", task.Text("createdAt")),
            ("updated", task.Text("updatedAt")),
            ("due", task.Text("dueAt")),
            ("started", task.Text("startedAt")),
            ("finished", task.Text("finishedAt")),
            ("lease expires", task.Text("leaseExpiresAt")),
            ("idempotency key", task.Text("idempotencyKey")),
            ("depends on", List(task.Field("dependsOn"))),
            ("run when", task.Text("runWhen")),
            ("workflow", task.Text("workflowId")),
            ("requires approval", task.Field("requiresApproval").ValueKind == JsonValueKind.True ? "yes" : ""),
            ("decisions", Decisions(task.Field("approvals"))),
            ("cancel reason", task.Text("cancelReason")),
            ("last error", errorText),
            ("payload", Compact(task.Field("payload"))),
            ("result", Compact(task.Field("result"))),
            ("result expires", task.Text("resultExpiresAt")),
        ]);
    }

    /// <summary>Tasks as a table.</summary>
    public static void WriteTable(TextWriter writer, IEnumerable<JsonElement> tasks)
    {
        var table = new Table("ID", "QUEUE", "ACTION", "STATUS", "ATTEMPT", "PRIORITY", "CREATED");
        foreach (var t in tasks)
        {
            table.Add(t.Text("id"), t.Text("queue"), t.Text("action"), t.Text("status"),
                $"{t.Text("attempt")}/{t.Text("maxAttempts")}", t.Text("priority"), t.Text("createdAt"));
        }
        if (table.Count == 0)
        {
            writer.WriteLine("No tasks.");
            return;
        }
        table.Write(writer);
    }

    private static string Decisions(JsonElement approvals) =>
        approvals.ValueKind != JsonValueKind.Array ? ""
        : string.Join("; ", approvals.EnumerateArray().Select(d =>
            $"{d.Text("action")} by {d.Text("by")} at {d.Text("at")}{(d.Text("comment") is { Length: > 0 } c ? $" ({c})" : "")}"));

    private static string Compact(JsonElement value) =>
        value.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null ? "" : value.GetRawText();

    private static string List(JsonElement value) =>
        value.ValueKind == JsonValueKind.Array ? string.Join(", ", value.EnumerateArray().Select(v => v.ToString())) : "";
}
