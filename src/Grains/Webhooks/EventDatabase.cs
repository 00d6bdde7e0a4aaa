using System.Data.Common;
using System.Threading.Channels;
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
public sealed partial class EventDatabase : IAsyncDisposable
{
    private sealed record Pending(IReadOnlyList<SqlStatement> Statements)
    {
        public TaskCompletionSource<int[]> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public int[] Rows { get; } = new int[Statements.Count];
    }

    private sealed class Lane(string name)
    {
        public string Name { get; } = name;
        public Channel<Pending> Channel { get; } = System.Threading.Channels.Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
        public Task Loop { get; set; } = Task.CompletedTask;
    }

    private readonly Lane _background = new("background");
    private readonly Lane _urgent;
    private readonly NpgsqlDataSource? _postgres;
    private readonly string? _sqlite;
    private readonly SqliteConnection? _sqliteWriter;
    private readonly int _maxBatch;
    private readonly ILogger<EventDatabase> _logger;

    public EventDatabase(IOptions<StorageOptions> options, IServiceProvider services, ILogger<EventDatabase> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        var o = options.Value;
        _logger = logger;
        _maxBatch = o.MaxBatchSize;
        if (o.IsPostgres)
        {
            _postgres = services.GetRequiredService<PostgresDataSource>().Source;
            _urgent = new Lane("urgent");
        }
        else
        {
            _sqlite = SqliteDatabase.ConnectionString(o);
            _sqliteWriter = new SqliteConnection(_sqlite);
            _sqliteWriter.Open();
            SqliteDatabase.ApplyPragmas(_sqliteWriter, o);
            _urgent = _background;
        }
        _background.Loop = Task.Run(() => RunAsync(_background));
        if (_urgent != _background)
        {
            _urgent.Loop = Task.Run(() => RunAsync(_urgent));
        }
    }

    /// <summary>True on PostgreSQL (some statements differ in syntax).</summary>
    public bool IsPostgres => _postgres is not null;

    /// <summary>Commits so far (for tests and benchmarks).</summary>
    public long Commits => Interlocked.Read(ref _commits);

    private long _commits;

    /// <summary>Runs one statement in the next background group commit; returns the rows it changed once committed.</summary>
    public async Task<int> WriteAsync(SqlStatement statement) => (await Submit(_background, [statement]))[0];

    /// <summary>Runs statements in one transaction of the next background group commit (all or none); returns the rows
    /// each changed once committed.</summary>
    public Task<int[]> WriteAsync(IReadOnlyList<SqlStatement> statements) => Submit(_background, statements);

    /// <summary>Runs one statement in the next group commit of the lane a waiting request uses (a webhook's raw capture).</summary>
    public async Task<int> WriteUrgentAsync(SqlStatement statement) => (await Submit(_urgent, [statement]))[0];

    private static Task<int[]> Submit(Lane lane, IReadOnlyList<SqlStatement> statements)
    {
        ArgumentNullException.ThrowIfNull(statements);
        var pending = new Pending(statements);
        if (!lane.Channel.Writer.TryWrite(pending))
        {
            pending.Done.TrySetException(new StorageUnavailableException("The event store is shutting down."));
        }
        return pending.Done.Task;
    }

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

    private async Task RunAsync(Lane lane)
    {
        var batch = new List<Pending>(_maxBatch);
        var reader = lane.Channel.Reader;
        while (await reader.WaitToReadAsync())
        {
            batch.Clear();
            var statements = 0;
            while (statements < _maxBatch && reader.TryRead(out var item))
            {
                batch.Add(item);
                statements += item.Statements.Count;
            }
            try
            {
                if (_postgres is not null)
                {
                    await CommitPostgresAsync(batch);
                }
                else
                {
                    CommitSqlite(batch);
                }
                Interlocked.Increment(ref _commits);
                foreach (var p in batch)
                {
                    p.Done.TrySetResult(p.Rows);
                }
            }
            catch (Exception ex)
            {
                LogBatchFailed(ex, lane.Name, batch.Count);
                var error = new StorageUnavailableException($"The event store could not commit: {ex.Message}");
                foreach (var p in batch)
                {
                    p.Done.TrySetException(error);
                }
            }
        }
    }

    private void CommitSqlite(List<Pending> batch)
    {
        using var tx = _sqliteWriter!.BeginTransaction(deferred: false);
        foreach (var p in batch)
        {
            for (var i = 0; i < p.Statements.Count; i++)
            {
                using var cmd = Command(_sqliteWriter, tx, p.Statements[i]);
                p.Rows[i] = cmd.ExecuteNonQuery();
            }
        }
        tx.Commit();
    }

    private async Task CommitPostgresAsync(List<Pending> batch)
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
        _background.Channel.Writer.TryComplete();
        _urgent.Channel.Writer.TryComplete();
        await Task.WhenAll(_background.Loop, _urgent.Loop);
        if (_sqliteWriter is not null)
        {
            await _sqliteWriter.DisposeAsync();
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Event store group commit ({Lane}) of {Count} writes failed; every write in it is reported failed")]
    private partial void LogBatchFailed(Exception exception, string lane, int count);
}
