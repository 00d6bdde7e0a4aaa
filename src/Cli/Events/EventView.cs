using System.Text.Json;
using OmniActors.Cli.Output;

namespace OmniActors.Cli.Events;

/// <summary>How lifecycle events (<c>{kind, id, queue, type, attempt, at, detail, action, sequence}</c>) read on a terminal.</summary>
internal static class EventView
{
    /// <summary>One event as one line: sequence, time, type, subject, queue, attempt, detail.</summary>
    public static string Line(JsonElement e)
    {
        var kind = e.Text("kind");
        var parts = new List<string>
        {
            e.Text("sequence") is { Length: > 0 } sequence ? $"#{sequence}" : "",
            e.Text("at"),
            e.Text("type"),
            $"{(kind.Length > 0 ? kind : "id")}={e.Text("id")}",
            e.Text("queue") is { Length: > 0 } queue ? $"queue={queue}" : "",
            e.Text("action") is { Length: > 0 } action ? $"action={action}" : "",
            e.Field("attempt") is { ValueKind: JsonValueKind.Number } a && a.GetInt32() > 0 ? $"attempt={a.GetInt32()}" : "",
            e.Text("detail"),
        };
        return string.Join("  ", parts.Where(p => p.Length > 0));
    }

    /// <summary>A page of events (a task's history, the event log) as a table.</summary>
    public static void WriteTable(TextWriter writer, IEnumerable<JsonElement> events)
    {
        var table = new Table("SEQ", "TIME", "TYPE", "ATTEMPT", "SILO", "DETAIL");
        foreach (var e in events)
        {
            table.Add(e.Text("sequence"), e.Text("at"), e.Text("type"), e.Text("attempt"), e.Text("silo"), e.Text("detail"));
        }
        if (table.Count == 0)
        {
            writer.WriteLine("No events.");
            return;
        }
        table.Write(writer);
    }
}
