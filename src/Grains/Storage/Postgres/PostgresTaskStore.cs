using System.Data.Common;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using OmniActors.Lifecycle;

namespace OmniActors.Storage.Postgres;

/// <summary>
/// The task table on PostgreSQL. A group of writes goes out in one transaction with one commit (one WAL flush): its
/// inserts as one statement and its updates as another, each over arrays of the group's rows (<see cref="ArrayRows"/>),
/// then the event-log rows of the writes that won as a third.
/// </summary>
internal sealed class PostgresTaskStore : SqlTaskStore
{
    private readonly NpgsqlDataSource _dataSource;

    public PostgresTaskStore(PostgresDataSource dataSource, IOptions<StorageOptions> options, IOptions<EventLogOptions> eventLog, ILogger<PostgresTaskStore> logger)
        : base(options.Value.MaxBatchSize, logger, writers: options.Value.PostgresCommitWriters)
    {
        LogEvents = eventLog.Value.Enabled;
        ArgumentNullException.ThrowIfNull(dataSource);
        _dataSource = dataSource.Source;
    }

    protected override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await _dataSource.OpenConnectionAsync(cancellationToken);

    protected override async Task CommitBatchAsync(IReadOnlyList<PendingWrite> batch)
    {
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        if (CanGoAsArrays(batch))
        {
            await WriteAsArraysAsync(connection, tx, batch);
        }
        else
        {
            await WriteOneByOneAsync(connection, tx, batch);
        }
        // Only the writes that won their compare-and-set log their events: one more statement in the same transaction
        // (one more round trip, no extra commit), so the log never lacks nor invents a transition.
        var log = new ArrayRows();
        foreach (var w in batch)
        {
            if (HasEventsToLog(w))
            {
                foreach (var e in w.Events!)
                {
                    log.Add(add => EventLogRows.Bind(add, e));
                }
            }
        }
        if (log.Count > 0)
        {
            await using var insert = new NpgsqlBatch(connection, tx);
            insert.BatchCommands.Add(log.Command(log.Insert("omni_event_log")));
            await insert.ExecuteNonQueryAsync();
        }
        await tx.CommitAsync();
    }

    /// <summary>
    /// Arrays settle each write by its id, so they need the group's ids distinct (two writers racing for one task in one
    /// group go one by one, in order, as before); deletes (purges, rare) go one by one too.
    /// </summary>
    private static bool CanGoAsArrays(IReadOnlyList<PendingWrite> batch)
    {
        var ids = new HashSet<string>(batch.Count, StringComparer.Ordinal);
        foreach (var w in batch)
        {
            if (w.State is null || !ids.Add(w.Id))
            {
                return false;
            }
        }
        return true;
    }

    private static async Task WriteAsArraysAsync(NpgsqlConnection connection, NpgsqlTransaction tx, IReadOnlyList<PendingWrite> batch)
    {
        var inserts = new ArrayRows();
        var updates = new ArrayRows();
        foreach (var w in batch)
        {
            (w.ExpectedVersion == 0 ? inserts : updates).Add(add => BindWrite(w, add));
        }
        await using var commands = new NpgsqlBatch(connection, tx);
        if (inserts.Count > 0)
        {
            commands.BatchCommands.Add(inserts.Command(inserts.Insert("omni_tasks") + " ON CONFLICT (id) DO NOTHING RETURNING id"));
        }
        if (updates.Count > 0)
        {
            // The compare-and-set of UpdateSql, for every row at once: a row changes only if its version is the one expected.
            var set = string.Join(", ", updates.Columns.Where(c => c is not ("id" or "expected_version")).Select(c => $"{c} = u.{c}"));
            commands.BatchCommands.Add(updates.Command(
                $"UPDATE omni_tasks AS t SET {set} FROM {updates.Unnest("u")} WHERE t.id = u.id AND t.version = u.expected_version RETURNING t.id"));
        }
        var written = new HashSet<string>(batch.Count, StringComparer.Ordinal);
        await using (var reader = await commands.ExecuteReaderAsync())
        {
            do
            {
                while (await reader.ReadAsync())
                {
                    written.Add(reader.GetString(0));
                }
            }
            while (await reader.NextResultAsync());
        }
        foreach (var w in batch)
        {
            Settle(w, written.Contains(w.Id) ? 1 : 0);
        }
    }

    private static async Task WriteOneByOneAsync(NpgsqlConnection connection, NpgsqlTransaction tx, IReadOnlyList<PendingWrite> batch)
    {
        await using var commands = new NpgsqlBatch(connection, tx);
        foreach (var w in batch)
        {
            commands.BatchCommands.Add(PositionalCommand.Create(StatementFor(w), add => BindWrite(w, add)));
        }
        await commands.ExecuteNonQueryAsync();
        for (var i = 0; i < batch.Count; i++)
        {
            Settle(batch[i], commands.BatchCommands[i].RecordsAffected);
        }
    }
}

/// <summary>The process-wide Npgsql data source (connection pool) for the configured database.</summary>
internal sealed class PostgresDataSource : IAsyncDisposable
{
    public PostgresDataSource(IOptions<StorageOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Source = NpgsqlDataSource.Create(WithAutoPrepare(options.Value.ConnectionString
            ?? throw new InvalidOperationException($"{StorageOptions.Section}:ConnectionString is required for PostgreSql.")));
    }

    /// <summary>
    /// The task path sends the same few statements thousands of times a second (a task row's insert, update and delete,
    /// an event-log row's insert): prepared on each connection after a few uses, the server stops parsing and planning
    /// them (bench/README.md). A connection string that sets <c>Max Auto Prepare</c> itself (0 turns it off, as a
    /// PgBouncer older than 1.21 in transaction mode needs) is left as it is.
    /// </summary>
    internal static string WithAutoPrepare(string connectionString)
    {
        // Npgsql's own builder knows every keyword (ContainsKey is always true); the generic one holds only what was written.
        var written = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        if (written.Keys.Cast<string>().Any(k => k.Replace(" ", "", StringComparison.Ordinal).Equals("MaxAutoPrepare", StringComparison.OrdinalIgnoreCase)))
        {
            return connectionString;
        }
        return new NpgsqlConnectionStringBuilder(connectionString) { MaxAutoPrepare = AutoPrepared }.ConnectionString;
    }

    /// <summary>Statements each connection keeps prepared when the connection string does not say.</summary>
    internal const int AutoPrepared = 32;

    public NpgsqlDataSource Source { get; }

    public ValueTask DisposeAsync() => Source.DisposeAsync();
}
