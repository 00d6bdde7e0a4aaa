using System.Data.Common;
using OmniActors.Storage;

namespace OmniActors.Lifecycle;

/// <summary>
/// Reads <c>omni_event_log</c>, and appends the events that have no task row to ride with (schedule, approval and
/// webhook events) in their own transaction. Task events are appended by the task store, in the task row's transaction.
/// </summary>
public sealed class EventLogStore
{
    private readonly Func<CancellationToken, Task<DbConnection>> _open;

    private EventLogStore(Func<CancellationToken, Task<DbConnection>> open) => _open = open;

    /// <summary>The store on the configured storage.</summary>
    public static EventLogStore Create(IServiceProvider services) => new(DbCalls.Opener(services, out _));

    /// <summary>Appends events in one transaction, in order; done once committed.</summary>
    public async Task AppendAsync(IReadOnlyList<LifecycleEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            return;
        }
        await GuardAsync(async () =>
        {
            await using var connection = await _open(cancellationToken);
            await using var tx = await connection.BeginTransactionAsync(cancellationToken);
            foreach (var e in events)
            {
                await using var cmd = connection.CreateCommand();
                cmd.Transaction = tx;
                cmd.CommandText = EventLogRows.InsertSql;
                EventLogRows.Bind((name, value) => Add(cmd, name, value), e);
                await cmd.ExecuteNonQueryAsync(cancellationToken);
            }
            await tx.CommitAsync(cancellationToken);
        }, "written");
    }

    /// <summary>A page of events matching the query, in sequence order.</summary>
    public async Task<EventLogPage> QueryAsync(EventLogQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var limit = Math.Clamp(query.Limit, 1, EventLogQuery.MaxLimit);
        var (where, parameters) = Where(query);
        parameters.Add(("@limit", limit + 1));
        var sql = $"SELECT {EventLogRows.Columns} FROM omni_event_log WHERE {where} ORDER BY seq LIMIT @limit";
        var rows = await ReadAsync(sql, parameters, cancellationToken);
        var items = rows.Count > limit ? rows.Take(limit).ToList() : rows;
        return new EventLogPage(items, rows.Count > limit ? items[^1].Sequence : null);
    }

    /// <summary>The last <see cref="EventLogQuery.Limit"/> events matching the query (up to <see cref="EventLogQuery.UpTo"/>), in sequence order:
    /// what a live feed shows when it opens.</summary>
    public async Task<IReadOnlyList<LifecycleEvent>> LatestAsync(EventLogQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var (sql, parameters) = LatestSql(query);
        var rows = await ReadAsync(sql, parameters, cancellationToken);
        return rows.Reverse().ToList();
    }

    /// <summary>The statement <see cref="LatestAsync"/> runs for <paramref name="query"/>, with its parameters.</summary>
    internal static (string Sql, List<(string Name, object Value)> Parameters) LatestSql(EventLogQuery query)
    {
        var (where, parameters) = Where(query);
        parameters.Add(("@limit", Math.Clamp(query.Limit, 1, EventLogQuery.MaxLimit)));
        return ($"SELECT {EventLogRows.Columns} FROM omni_event_log WHERE {where} ORDER BY seq DESC LIMIT @limit", parameters);
    }

    /// <summary>The types of a task's plain run, which most of the log's rows carry (declared before the condition built
    /// from them: static fields start in order).</summary>
    private static readonly string[] CommonTypes = ["enqueued", "executing", "complete"];

    /// <summary>
    /// The rows outside <see cref="CommonTypes"/>: on SQLite the type index holds only these (deploy/sql/sqlite 0012,
    /// <c>ix_omni_event_log_rare_type</c>, whose condition this is word for word), so a task's three rows write no type
    /// entry. Three comparisons, not <c>NOT IN (…)</c>: as a partial index's condition that list cost each insert
    /// more than the full index did (bench/README, SQLite's floor by schema).
    /// </summary>
    internal static readonly string RareTypeCondition = string.Join(" AND ", CommonTypes.Select(type => $"type <> '{type}'"));

    private static bool IsCommonType(string type) => CommonTypes.Contains(type, StringComparer.Ordinal);

    private static (string Where, List<(string Name, object Value)> Parameters) Where(EventLogQuery query)
    {
        var where = new List<string> { "seq > @after" };
        var parameters = new List<(string, object)> { ("@after", query.After) };
        void Filter(string clause, string name, object? value)
        {
            if (value is not null)
            {
                where.Add(clause);
                parameters.Add((name, value));
            }
        }
        Filter("seq <= @up_to", "@up_to", query.UpTo);
        Filter("subject = @subject", "@subject", query.Subject);
        Filter("kind = @kind", "@kind", query.Kind is { } kind ? LifecycleEventTypes.KindName(kind) : null);
        Filter("queue = @queue", "@queue", query.Queue);
        // A type outside the common three names the partial index's condition, so SQLite's planner may use it (it only
        // takes a partial index whose condition the query states); a common type is dense and found walking seq.
        Filter(query.Type is { } type && !IsCommonType(type) ? $"type = @type AND {RareTypeCondition}" : "type = @type", "@type", query.Type);
        Filter("at >= @from", "@from", query.From?.ToUnixTimeMilliseconds());
        Filter("at < @to", "@to", query.To?.ToUnixTimeMilliseconds());
        return (string.Join(" AND ", where), parameters);
    }

    /// <summary>Events after a sequence, in order, whatever their subject (the tail reads this).</summary>
    public Task<IReadOnlyList<LifecycleEvent>> ReadAfterAsync(long after, int limit, CancellationToken cancellationToken = default) =>
        ReadAsync($"SELECT {EventLogRows.Columns} FROM omni_event_log WHERE seq > @after ORDER BY seq LIMIT @limit",
            [("@after", after), ("@limit", limit)], cancellationToken);

    /// <summary>At most <c>@n</c> events that happened before <c>@before</c>, found through the time index (a b-tree on
    /// SQLite, a block-range index on PostgreSQL: deploy/sql 0012).</summary>
    internal const string DeleteBeforeSql = "DELETE FROM omni_event_log WHERE seq IN (SELECT seq FROM omni_event_log WHERE at < @before LIMIT @n)";

    /// <summary>Deletes at most <paramref name="limit"/> events that happened before <paramref name="before"/>; returns how many went.</summary>
    public async Task<int> DeleteBeforeAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken = default)
    {
        var deleted = 0;
        await GuardAsync(async () =>
        {
            await using var connection = await _open(cancellationToken);
            await using var cmd = connection.CreateCommand();
            cmd.CommandText = DeleteBeforeSql;
            Add(cmd, "@before", before.ToUnixTimeMilliseconds());
            Add(cmd, "@n", limit);
            deleted = await cmd.ExecuteNonQueryAsync(cancellationToken);
        }, "trimmed");
        return deleted;
    }

    /// <summary>The highest sequence stored (0 for an empty log).</summary>
    public async Task<long> LastSequenceAsync(CancellationToken cancellationToken = default)
    {
        long last = 0;
        await GuardAsync(async () =>
        {
            await using var connection = await _open(cancellationToken);
            await using var cmd = connection.CreateCommand();
            cmd.CommandText = "SELECT COALESCE(MAX(seq), 0) FROM omni_event_log";
            last = Convert.ToInt64(await cmd.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        }, "read");
        return last;
    }

    private async Task<IReadOnlyList<LifecycleEvent>> ReadAsync(string sql, IEnumerable<(string Name, object Value)> parameters, CancellationToken cancellationToken)
    {
        var rows = new List<LifecycleEvent>();
        await GuardAsync(async () =>
        {
            await using var connection = await _open(cancellationToken);
            await using var cmd = connection.CreateCommand();
            cmd.CommandText = sql;
            foreach (var (name, value) in parameters)
            {
                Add(cmd, name, value);
            }
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(EventLogRows.Read(reader));
            }
        }, "read");
        return rows;
    }

    private static Task GuardAsync(Func<Task> work, string what) => DbCalls.GuardAsync(work, "The event log", what);

    private static void Add(DbCommand cmd, string name, object value) => DbCalls.Add(cmd, name, value);
}
