using System.Data.Common;
using OmniActors.Tasks;
using OmniActors.Storage;

namespace OmniActors.Lifecycle;

/// <summary>How a <see cref="LifecycleEvent"/> maps to a row of <c>omni_event_log</c>, shared by SQLite and PostgreSQL.</summary>
internal static class EventLogRows
{
    /// <summary>The columns in the order <see cref="Read"/> expects them.</summary>
    public const string Columns = "seq, kind, subject, queue, type, attempt, at, detail, silo, action";

    /// <summary>Appends one event; the database assigns its sequence.</summary>
    public const string InsertSql =
        "INSERT INTO omni_event_log (kind, subject, queue, type, attempt, at, detail, silo, action) " +
        "VALUES (@kind, @subject, @queue, @type, @attempt, @at, @detail, @silo, @action)";

    /// <summary>Passes an event's columns to <paramref name="add"/> as <c>@column</c> parameters.</summary>
    public static void Bind(Action<string, object> add, LifecycleEvent e)
    {
        ArgumentNullException.ThrowIfNull(add);
        ArgumentNullException.ThrowIfNull(e);
        add("@kind", LifecycleEventTypes.KindName(e.Kind));
        add("@subject", e.Id);
        add("@queue", (object?)e.Queue ?? DBNull.Value);
        add("@type", e.Type);
        add("@attempt", e.Attempt);
        add("@at", e.At.ToUnixTimeMilliseconds());
        add("@detail", (object?)Truncate(e.Detail) ?? DBNull.Value);
        add("@silo", (object?)e.Silo ?? DBNull.Value);
        add("@action", (object?)e.Action ?? DBNull.Value);
    }

    /// <summary>Reads a row selected with <see cref="Columns"/>.</summary>
    public static LifecycleEvent Read(DbDataReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new LifecycleEvent
        {
            Sequence = r.GetInt64(0),
            Kind = LifecycleEventTypes.ParseKind(r.GetString(1)) ?? LifecycleKind.Task,
            Id = r.GetString(2),
            Queue = r.NullableString(3),
            Type = r.GetString(4),
            Attempt = Convert.ToInt32(r.GetValue(5), System.Globalization.CultureInfo.InvariantCulture),
            At = DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(6)),
            Detail = r.NullableString(7),
            Silo = r.NullableString(8),
            Action = r.NullableString(9),
        };
    }

    /// <summary>The wire form of a task transition's event.</summary>
    public static LifecycleEvent FromTask(TaskLifecycleEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return new LifecycleEvent
        {
            Kind = LifecycleKind.Task,
            Id = e.TaskId,
            Queue = e.Queue,
            Type = TypeName(e.Type),
            Attempt = e.Attempt,
            At = e.At,
            Detail = e.Detail,
            Silo = e.Silo,
            Action = e.Action,
        };
    }

    /// <summary>A task event type in snake_case (<c>dead_lettered</c>).</summary>
    public static string TypeName(TaskEventType type) =>
        (int)type >= 0 && (int)type < TypeNames.Length ? TypeNames[(int)type] ?? SnakeCase(type.ToString()) : SnakeCase(type.ToString());

    // Every transition names its events twice (log row and stream): made once, not a StringBuilder per event.
    private static readonly string?[] TypeNames = BuildTypeNames();

    private static string?[] BuildTypeNames()
    {
        var values = Enum.GetValues<TaskEventType>();
        var names = new string?[values.Max(v => (int)v) + 1];
        foreach (var value in values.Where(v => (int)v >= 0))
        {
            names[(int)value] = SnakeCase(value.ToString());
        }
        return names;
    }

    private static string SnakeCase(string pascal)
    {
        var name = new System.Text.StringBuilder(pascal.Length + 4);
        foreach (var c in pascal)
        {
            if (char.IsUpper(c) && name.Length > 0)
            {
                name.Append('_');
            }
            name.Append(char.ToLowerInvariant(c));
        }
        return name.ToString();
    }

    // An error message can be long (a stack in a message); the log keeps a readable head, the task row keeps the error.
    private const int MaxDetail = 2000;

    private static string? Truncate(string? detail) => detail is { Length: > MaxDetail } ? detail[..MaxDetail] : detail;
}
