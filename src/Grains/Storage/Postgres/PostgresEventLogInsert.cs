using Npgsql;
using NpgsqlTypes;
using OmniActors.Lifecycle;

namespace OmniActors.Storage.Postgres;

/// <summary>
/// A group commit's event-log rows as one statement: each column is sent as an array and <c>unnest</c>ed back into
/// rows, in the order given. PostgreSQL pays its per-statement work (bind, executor start and end) once per group
/// instead of once per row; with three rows per task that work was a large share of the server's CPU per task
/// (bench/README.md). The columns are those of <see cref="EventLogRows.Bind"/>, so the row a task event becomes is the
/// same on both storages and through <see cref="EventLogStore"/>.
/// </summary>
internal static class PostgresEventLogInsert
{
    /// <summary>The statement: <c>WITH ORDINALITY</c> and <c>ORDER BY</c> make the sequence follow the arrays' order.</summary>
    internal const string Sql =
        "INSERT INTO omni_event_log (kind, subject, queue, type, attempt, at, detail, silo, action) " +
        "SELECT kind, subject, queue, type, attempt, at, detail, silo, action FROM unnest(" +
        "$1::text[], $2::text[], $3::text[], $4::text[], $5::integer[], $6::bigint[], $7::text[], $8::text[], $9::text[]) " +
        "WITH ORDINALITY AS e(kind, subject, queue, type, attempt, at, detail, silo, action, n) ORDER BY n";

    // EventLogRows.Bind passes these, in this order; a change there fails the first insert here, not a silent shift.
    private static readonly string[] Names = ["@kind", "@subject", "@queue", "@type", "@attempt", "@at", "@detail", "@silo", "@action"];
    private const int Attempt = 4;
    private const int At = 5;

    /// <summary>One command inserting <paramref name="events"/> in order.</summary>
    public static NpgsqlBatchCommand Create(IReadOnlyList<LifecycleEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var text = new string?[Names.Length][];
        for (var c = 0; c < Names.Length; c++)
        {
            text[c] = c is Attempt or At ? [] : new string?[events.Count];
        }
        var attempts = new int[events.Count];
        var ats = new long[events.Count];
        for (var row = 0; row < events.Count; row++)
        {
            var column = 0;
            EventLogRows.Bind((name, value) =>
            {
                if (column >= Names.Length || !string.Equals(name, Names[column], StringComparison.Ordinal))
                {
                    throw new InvalidOperationException($"Event-log column {name} is not the {column + 1}th the batched insert expects.");
                }
                switch (column)
                {
                    case Attempt:
                        attempts[row] = (int)value;
                        break;
                    case At:
                        ats[row] = (long)value;
                        break;
                    default:
                        text[column][row] = value as string;
                        break;
                }
                column++;
            }, events[row]);
        }
        var cmd = new NpgsqlBatchCommand(Sql);
        for (var c = 0; c < Names.Length; c++)
        {
            cmd.Parameters.Add(c switch
            {
                Attempt => new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer, Value = attempts },
                At => new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint, Value = ats },
                _ => new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, Value = text[c] },
            });
        }
        return cmd;
    }
}
