using System.Text.Json;
using OmniActors.Cli.Output;

namespace OmniActors.Cli.Events;

/// <summary>How lifecycle events read on a terminal.</summary>
internal static class EventView
{
    /// <summary>One event as one line: sequence, time, kind and type, task, queue, detail.</summary>
    public static string Line(string? id, string kind, JsonElement e)
    {
        var parts = new List<string>();
        if (!string.IsNullOrEmpty(id))
        {
            parts.Add($"#{id}");
        }
        parts.Add(e.FirstText("at", "timestamp", "occurredAt", "time"));
        var type = e.FirstText("type", "eventType", "kind");
        parts.Add(string.IsNullOrEmpty(kind) || kind == "message" || kind == type ? type : $"{kind}/{type}");
        if (e.FirstText("taskId", "task") is { Length: > 0 } task)
        {
            parts.Add($"task={task}");
        }
        if (e.Text("queue") is { Length: > 0 } queue)
        {
            parts.Add($"queue={queue}");
        }
        if (e.Text("attempt") is { Length: > 0 } attempt)
        {
            parts.Add($"attempt={attempt}");
        }
        if (Detail(e) is { Length: > 0 } detail)
        {
            parts.Add(detail);
        }
        return string.Join("  ", parts.Where(p => p.Length > 0));
    }

    /// <summary>What went wrong or why, when the event says.</summary>
    public static string Detail(JsonElement e)
    {
        var error = e.Field("error");
        if (error.ValueKind == JsonValueKind.Object)
        {
            return $"{error.Text("type")}: {error.Text("message")}".Trim(' ', ':');
        }
        return e.FirstText("error", "detail", "message", "reason");
    }
}
