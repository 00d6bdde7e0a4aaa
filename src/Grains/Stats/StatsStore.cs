using System.Data.Common;
using System.Globalization;
using OmniActors.Storage;

namespace OmniActors.Stats;

/// <summary>Reads and writes <c>omni_stats_minute</c>, and counts task events per second from <c>omni_event_log</c> for short, fine-grained ranges.</summary>
public sealed class StatsStore
{
    private static readonly string UpsertSqlite = UpsertSql("MAX");
    private static readonly string UpsertPostgres = UpsertSql("GREATEST");
    private static readonly string SelectColumns = "queue, minute, " + string.Join(", ", StatsColumns.Names) + ", sampled_ms";

    private readonly Func<CancellationToken, Task<DbConnection>> _open;
    private readonly string _upsert;

    private StatsStore(Func<CancellationToken, Task<DbConnection>> open, bool postgres)
    {
        _open = open;
        _upsert = postgres ? UpsertPostgres : UpsertSqlite;
    }

    /// <summary>The store on the configured storage.</summary>
    public static StatsStore Create(IServiceProvider services)
    {
        var open = DbCalls.Opener(services, out var postgres);
        return new StatsStore(open, postgres);
    }

    /// <summary>Adds the rows to their minutes (creating them), in one transaction: several silos add up.</summary>
    public async Task AddAsync(IReadOnlyCollection<StatsMinuteRow> rows, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            return;
        }
        await GuardAsync(async () =>
        {
            await using var connection = await _open(cancellationToken);
            await using var tx = await connection.BeginTransactionAsync(cancellationToken);
            foreach (var row in rows)
            {
                await using var cmd = connection.CreateCommand();
                cmd.Transaction = tx;
                cmd.CommandText = _upsert;
                Add(cmd, "@queue", row.Queue);
                Add(cmd, "@minute", row.Minute);
                for (var i = 0; i < StatsColumns.Count; i++)
                {
                    Add(cmd, "@" + StatsColumns.Names[i], row.Values[i]);
                }
                Add(cmd, "@sampled_ms", row.SampledMs);
                await cmd.ExecuteNonQueryAsync(cancellationToken);
            }
            await tx.CommitAsync(cancellationToken);
        }, "written");
    }

    /// <summary>The minute rows in [<paramref name="fromMinute"/>, <paramref name="toMinute"/>), of one queue or all.</summary>
    public async Task<IReadOnlyList<StatsMinuteRow>> ReadAsync(string? queue, long fromMinute, long toMinute, CancellationToken cancellationToken = default)
    {
        var rows = new List<StatsMinuteRow>();
        await GuardAsync(async () =>
        {
            await using var connection = await _open(cancellationToken);
            await using var cmd = connection.CreateCommand();
            cmd.CommandText = $"SELECT {SelectColumns} FROM omni_stats_minute WHERE minute >= @from AND minute < @to"
                              + (queue is null ? "" : " AND queue = @queue");
            Add(cmd, "@from", fromMinute);
            Add(cmd, "@to", toMinute);
            if (queue is not null)
            {
                Add(cmd, "@queue", queue);
            }
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var values = new long[StatsColumns.Count];
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = reader.GetInt64(2 + i);
                }
                rows.Add(new StatsMinuteRow(reader.GetString(0), reader.GetInt64(1), values, reader.GetInt64(2 + StatsColumns.Count)));
            }
        }, "read");
        return rows;
    }

    /// <summary>
    /// Task events per <paramref name="stepMs"/> in [<paramref name="fromMs"/>, <paramref name="toMs"/>) from the event log, by
    /// bucket start and <see cref="StatsColumns"/> counter: for the live, per-second view the minute rows are too coarse for.
    /// </summary>
    public async Task<IReadOnlyList<(long Bucket, int Column, long Count)>> CountEventsAsync(string? queue, long fromMs, long toMs, long stepMs,
        CancellationToken cancellationToken = default)
    {
        var counts = new List<(long, int, long)>();
        await GuardAsync(async () =>
        {
            await using var connection = await _open(cancellationToken);
            await using var cmd = connection.CreateCommand();
            cmd.CommandText = "SELECT (at / @step) * @step AS bucket, type, COUNT(*) FROM omni_event_log WHERE at >= @from AND at < @to AND kind = 'task'"
                              + " AND type IN ('enqueued', 'executing', 'complete', 'error', 'retry', 'dead_lettered', 'cancelled')"
                              + (queue is null ? "" : " AND queue = @queue") + " GROUP BY bucket, type";
            Add(cmd, "@step", stepMs);
            Add(cmd, "@from", fromMs);
            Add(cmd, "@to", toMs);
            if (queue is not null)
            {
                Add(cmd, "@queue", queue);
            }
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var column = reader.GetString(1) switch
                {
                    "enqueued" => StatsColumns.Enqueued,
                    "executing" => StatsColumns.Started,
                    "complete" => StatsColumns.Succeeded,
                    "error" => StatsColumns.Failed,
                    "retry" => StatsColumns.Retried,
                    "dead_lettered" => StatsColumns.DeadLettered,
                    _ => StatsColumns.Cancelled,
                };
                counts.Add((Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture), column, Convert.ToInt64(reader.GetValue(2), CultureInfo.InvariantCulture)));
            }
        }, "read");
        return counts;
    }

    /// <summary>Deletes the minute rows before <paramref name="beforeMinute"/>; returns how many.</summary>
    public async Task<int> DeleteBeforeAsync(long beforeMinute, CancellationToken cancellationToken = default)
    {
        var deleted = 0;
        await GuardAsync(async () =>
        {
            await using var connection = await _open(cancellationToken);
            await using var cmd = connection.CreateCommand();
            cmd.CommandText = "DELETE FROM omni_stats_minute WHERE minute < @before";
            Add(cmd, "@before", beforeMinute);
            deleted = await cmd.ExecuteNonQueryAsync(cancellationToken);
        }, "cleaned");
        return deleted;
    }

    private static string UpsertSql(string greatest)
    {
        var names = StatsColumns.Names;
        return $"INSERT INTO omni_stats_minute (queue, minute, {string.Join(", ", names)}, sampled_ms) "
               + $"VALUES (@queue, @minute, {string.Join(", ", names.Select(n => "@" + n))}, @sampled_ms) "
               + "ON CONFLICT (queue, minute) DO UPDATE SET "
               + string.Join(", ", names.Select(n => $"{n} = omni_stats_minute.{n} + excluded.{n}"))
               + $", sampled_ms = {greatest}(omni_stats_minute.sampled_ms, excluded.sampled_ms)";
    }

    private static Task GuardAsync(Func<Task> work, string what) => DbCalls.GuardAsync(work, "The queue statistics", what);

    private static void Add(DbCommand cmd, string name, object value) => DbCalls.Add(cmd, name, value);
}
