using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using OmniActors.Errors;
using OmniActors.Storage;
using OmniActors.Storage.Postgres;
using OmniActors.Storage.Sqlite;

namespace OmniActors.Webhooks;

/// <summary>One SQL statement with <c>@name</c> parameters (null values are stored as SQL NULL).</summary>
public sealed record SqlStatement(string Sql, IReadOnlyList<KeyValuePair<string, object?>> Parameters)
{
    /// <summary>A statement with named parameters.</summary>
    public static SqlStatement Of(string sql, params (string Name, object? Value)[] parameters) =>
        new(sql, parameters.Select(p => KeyValuePair.Create(p.Name, p.Value)).ToList());
}

/// <summary>
/// The event fabric's tables (raw captures, events, instances, identities, routes) on the configured database.
/// Writes are group-committed like the task store's: a loop gathers whatever is waiting into one transaction, so many
/// concurrent webhooks cost one commit (one WAL flush). Each caller's task completes only once its transaction
/// committed, with the rows its statements changed. On PostgreSQL there are two loops on their own connections: one
/// for writes a request waits on (a webhook's raw capture before its acknowledgement) and one for background ingest,
/// so an acknowledgement never queues behind a commit of ingest rows. SQLite has one writer, so one loop.
/// </summary>
public sealed class EventDatabase : IAsyncDisposable
{
    private sealed class Pending(IReadOnlyList<SqlStatement> statements) : GroupCommitItem<int[]>
    {
        public IReadOnlyList<SqlStatement> Statements { get; } = statements;

        public int[] Rows { get; } = new int[statements.Count];

        public override int Size => Statements.Count;

        public override void Committed() => Done.TrySetResult(Rows);
    }

    private readonly GroupCommitter<Pending, int[]> _background;
    private readonly GroupCommitter<Pending, int[]> _urgent;
    private readonly NpgsqlDataSource? _postgres;
    private readonly string? _sqlite;
    private readonly SqliteWriter? _sqliteWriter;

    public EventDatabase(IOptions<StorageOptions> options, IServiceProvider services, ILogger<EventDatabase> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        var o = options.Value;
        if (o.IsPostgres)
        {
            _postgres = services.GetRequiredService<PostgresDataSource>().Source;
            _background = new GroupCommitter<Pending, int[]>(CommitPostgresAsync, o.MaxBatchSize, logger, "event store");
            _urgent = new GroupCommitter<Pending, int[]>(CommitPostgresAsync, o.MaxBatchSize, logger, "event store (urgent lane)");
        }
        else
        {
            _sqlite = SqliteDatabase.ConnectionString(o);
            // Under FULL the log is flushed after each commit, beside the next one, as the task store does: the two
            // writers share the file's one write lock, and neither holds it while the disk flushes.
            _sqliteWriter = SqliteDatabase.OpenWriter(o);
            _background = new GroupCommitter<Pending, int[]>(CommitSqliteAsync, o.MaxBatchSize, logger, "event store",
                makeDurable: _sqliteWriter.Flush is { } flush ? flush.Flush : null);
            _urgent = _background;
        }
    }

    /// <summary>Commits, statements written and flushes of the SQLite log after commit so far (0 flushes when SQLite flushes
    /// inside each commit, or on PostgreSQL), over both lanes (<see cref="Storage.StorageMetrics"/>).</summary>
    internal (long Commits, long Rows, long Flushes) WriteCounters => _urgent == _background
        ? (_background.Commits, _background.Rows, _background.Flushes)
        : (_background.Commits + _urgent.Commits, _background.Rows + _urgent.Rows, _background.Flushes + _urgent.Flushes);

    /// <summary>Time the group commits spent committing so far, over both lanes.</summary>
    internal TimeSpan CommitTime => _urgent == _background ? _background.CommitTime : _background.CommitTime + _urgent.CommitTime;

    /// <summary>True on PostgreSQL (some statements differ in syntax).</summary>
    public bool IsPostgres => _postgres is not null;

    /// <summary>Runs one statement in the next background group commit; returns the rows it changed once committed.</summary>
    public async Task<int> WriteAsync(SqlStatement statement) => (await _background.Enqueue(new Pending([statement])))[0];

    /// <summary>Runs statements in one transaction of the next background group commit (all or none); returns the rows
    /// each changed once committed.</summary>
    public Task<int[]> WriteAsync(IReadOnlyList<SqlStatement> statements) => _background.Enqueue(new Pending(statements));

    /// <summary>Runs one statement in the next group commit of the lane a waiting request uses (a webhook's raw capture).</summary>
    public async Task<int> WriteUrgentAsync(SqlStatement statement) => (await _urgent.Enqueue(new Pending([statement])))[0];

    /// <summary>Opens a pooled connection for reads and multi-statement transactions.</summary>
    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            if (_postgres is not null)
            {
                return await _postgres.OpenConnectionAsync(cancellationToken);
            }
            var connection = new SqliteConnection(_sqlite);
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch (DbException ex)
        {
            throw new StorageUnavailableException($"The event store could not be reached: {ex.Message}");
        }
    }

    /// <summary>
    /// Opens a pooled connection synchronously, for callers whose contract is synchronous (ASP.NET Core Data Protection's
    /// key repository, read at start and when the key ring rolls). Never from a grain.
    /// </summary>
    public DbConnection OpenConnection()
    {
        try
        {
            if (_postgres is not null)
            {
                return _postgres.OpenConnection();
            }
            var connection = new SqliteConnection(_sqlite);
            connection.Open();
            return connection;
        }
        catch (DbException ex)
        {
            throw new StorageUnavailableException($"The event store could not be reached: {ex.Message}");
        }
    }

    /// <summary>Reads rows of a query.</summary>
    public async Task<List<T>> QueryAsync<T>(SqlStatement statement, Func<DbDataReader, T> row, CancellationToken cancellationToken = default)
    {
        var rows = new List<T>();
        try
        {
            await using var connection = await OpenAsync(cancellationToken);
            await using var cmd = Command(connection, null, statement);
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(row(reader));
            }
        }
        catch (DbException ex)
        {
            // Driver types must not cross a grain call or reach a client.
            throw new StorageUnavailableException($"The event store could not be read: {ex.Message}");
        }
        return rows;
    }

    /// <summary>Runs statements in one transaction outside the group commit (rare multi-step changes: merges, claims).</summary>
    public async Task<T> InTransactionAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        try
        {
            await using var connection = await OpenAsync(cancellationToken);
            await using var tx = connection is SqliteConnection sqlite
                ? sqlite.BeginTransaction(deferred: false)
                : await connection.BeginTransactionAsync(cancellationToken);
            var result = await work(connection, tx);
            await tx.CommitAsync(cancellationToken);
            return result;
        }
        catch (DbException ex)
        {
            throw new StorageUnavailableException($"The event store could not commit: {ex.Message}");
        }
    }

    /// <summary>Executes one statement on a connection inside a transaction.</summary>
    public static async Task<int> ExecuteAsync(DbConnection connection, DbTransaction tx, SqlStatement statement)
    {
        await using var cmd = Command(connection, tx, statement);
        return await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>Runs a scalar query on a connection inside a transaction.</summary>
    public static async Task<object?> ScalarAsync(DbConnection connection, DbTransaction tx, SqlStatement statement)
    {
        await using var cmd = Command(connection, tx, statement);
        var value = await cmd.ExecuteScalarAsync();
        return value is DBNull ? null : value;
    }

    /// <summary>A command for a statement on a connection.</summary>
    public static DbCommand Command(DbConnection connection, DbTransaction? tx, SqlStatement statement)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(statement);
        var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = statement.Sql;
        foreach (var (name, value) in statement.Parameters)
        {
            var p = cmd.CreateParameter();
            p.ParameterName = name;
            p.Value = value ?? DBNull.Value;
            cmd.Parameters.Add(p);
        }
        return cmd;
    }

    private Task CommitSqliteAsync(IReadOnlyList<Pending> batch)
    {
        using var tx = _sqliteWriter!.Connection.BeginTransaction(deferred: false);
        foreach (var p in batch)
        {
            for (var i = 0; i < p.Statements.Count; i++)
            {
                using var cmd = Command(_sqliteWriter.Connection, tx, p.Statements[i]);
                p.Rows[i] = cmd.ExecuteNonQuery();
            }
        }
        tx.Commit();
        return Task.CompletedTask;
    }

    private async Task CommitPostgresAsync(IReadOnlyList<Pending> batch)
    {
        // One batch is one implicit transaction (a single Sync ends it): all its statements commit together or none
        // does, without the BEGIN and COMMIT round trips of an explicit transaction.
        await using var connection = await _postgres!.OpenConnectionAsync();
        await using var commands = new NpgsqlBatch(connection);
        foreach (var statement in batch.SelectMany(p => p.Statements))
        {
            var cmd = new NpgsqlBatchCommand(statement.Sql);
            foreach (var (name, value) in statement.Parameters)
            {
                cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
            }
            commands.BatchCommands.Add(cmd);
        }
        await commands.ExecuteNonQueryAsync();
        var index = 0;
        foreach (var p in batch)
        {
            for (var i = 0; i < p.Statements.Count; i++)
            {
                p.Rows[i] = commands.BatchCommands[index++].RecordsAffected;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _background.DisposeAsync();
        if (_urgent != _background)
        {
            await _urgent.DisposeAsync();
        }
        if (_sqliteWriter is not null)
        {
            await _sqliteWriter.DisposeAsync();
        }
    }
}
