using System.Data.Common;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using OmniActors.Lifecycle;

namespace OmniActors.Storage.Postgres;

/// <summary>
/// The task table on PostgreSQL. A group of writes goes out as one <see cref="NpgsqlBatch"/> inside one
/// transaction: one network round trip and one commit (one WAL flush) for the whole group.
/// </summary>
internal sealed class PostgresTaskStore : SqlTaskStore
{
    private readonly NpgsqlDataSource _dataSource;

    public PostgresTaskStore(PostgresDataSource dataSource, IOptions<StorageOptions> options, IOptions<EventLogOptions> eventLog, ILogger<PostgresTaskStore> logger)
        : base(options.Value.MaxBatchSize, logger)
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
        // Only the writes that won their compare-and-set log their events: one more statement in the same transaction
        // (one more round trip, no extra commit), so the log never lacks nor invents a transition.
        var events = new List<LifecycleEvent>(batch.Count * 2);
        foreach (var w in batch)
        {
            if (HasEventsToLog(w))
            {
                events.AddRange(w.Events!);
            }
        }
        if (events.Count > 0)
        {
            await using var log = new NpgsqlBatch(connection, tx);
            log.BatchCommands.Add(PostgresEventLogInsert.Create(events));
            await log.ExecuteNonQueryAsync();
        }
        await tx.CommitAsync();
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
