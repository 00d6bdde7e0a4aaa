using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OmniActors.Lifecycle;
using SQLitePCL;

namespace OmniActors.Storage.Sqlite;

/// <summary>The task table in the embedded SQLite file: one writer connection fed by group commit, pooled readers.</summary>
internal sealed class SqliteTaskStore : SqlTaskStore
{
    private readonly string _connectionString;
    private readonly SqliteWriter _writer;
    private readonly Dictionary<string, WriterStatement> _commands = new(StringComparer.Ordinal);

    public SqliteTaskStore(IOptions<StorageOptions> options, IOptions<EventLogOptions> eventLog, ILogger<SqliteTaskStore> logger)
        : base(options.Value.MaxBatchSize, logger, flushAfterCommit: SqliteDatabase.FlushedAfterCommit(options.Value) is not null)
    {
        LogEvents = eventLog.Value.Enabled;
        _connectionString = SqliteDatabase.ConnectionString(options.Value);
        _writer = SqliteDatabase.OpenWriter(options.Value);
    }

    /// <summary>The log file the group commit flushes after each commit, or null when SQLite flushes inside it.</summary>
    internal string? FlushedLog => _writer.Flush?.Path;

    /// <summary>The thread that checkpoints the file instead of the writer, if any.</summary>
    internal SqliteCheckpointer? Checkpointer => _writer.Checkpointer;

    /// <summary>Runs beside the writer (the committer's second loop), on a descriptor of its own; a database SQLite keeps
    /// in memory has nothing on disk to flush.</summary>
    protected override void FlushCommits() => _writer.Flush?.Flush();

    protected override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    /// <summary>SQLite is synchronous underneath: the whole group runs on the committer's loop, statements prepared once.</summary>
    protected override Task CommitBatchAsync(IReadOnlyList<PendingWrite> batch)
    {
        using var tx = _writer.Connection.BeginTransaction(deferred: false);
        foreach (var w in batch)
        {
            var statement = Statement(StatementFor(w));
            BindWrite(w, statement.Set);
            Settle(w, statement.Execute());
            if (HasEventsToLog(w))
            {
                // The transition's events commit with its row or not at all: the log never lacks nor invents a transition.
                var insert = Statement(EventLogRows.InsertSql);
                foreach (var e in w.Events!)
                {
                    EventLogRows.Bind(insert.Set, e);
                    insert.Execute();
                }
            }
        }
        tx.Commit();
        return Task.CompletedTask;
    }

    private WriterStatement Statement(string sql)
    {
        if (!_commands.TryGetValue(sql, out var statement))
        {
            statement = new WriterStatement(_writer.Connection.Handle!, sql);
            _commands[sql] = statement;
        }
        return statement;
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        foreach (var statement in _commands.Values)
        {
            statement.Dispose();
        }
        await _writer.DisposeAsync();
    }

    /// <summary>
    /// A statement of the writer connection, prepared once and bound by index. Microsoft.Data.Sqlite looks every
    /// parameter up by name (and allocates it) on every execution: with ~100 values bound per task (three row writes,
    /// three event-log rows) that lookup was the largest share of the group commit's time. Used only by the committer's
    /// single loop, inside the transaction that <see cref="CommitBatchAsync"/> opened on the same connection.
    /// </summary>
    private sealed class WriterStatement : IDisposable
    {
        private readonly sqlite3 _db;
        private readonly sqlite3_stmt _statement;
        private readonly Dictionary<string, int> _indexes = new(StringComparer.Ordinal);

        public WriterStatement(sqlite3 db, string sql)
        {
            _db = db;
            var rc = raw.sqlite3_prepare_v2(db, sql, out _statement);
            SqliteException.ThrowExceptionForRC(rc, db);
            Set = Bind;
        }

        /// <summary>Binds a parameter of the statement by name, as a delegate made once.</summary>
        public Action<string, object> Set { get; }

        /// <summary>Runs the statement with the values bound; returns the rows it changed.</summary>
        public int Execute()
        {
            try
            {
                var rc = raw.sqlite3_step(_statement);
                if (rc != raw.SQLITE_DONE)
                {
                    SqliteException.ThrowExceptionForRC(rc, _db);
                }
                return raw.sqlite3_changes(_db);
            }
            finally
            {
                raw.sqlite3_reset(_statement);
                raw.sqlite3_clear_bindings(_statement);
            }
        }

        private void Bind(string name, object value)
        {
            if (!_indexes.TryGetValue(name, out var index))
            {
                index = raw.sqlite3_bind_parameter_index(_statement, name);
                if (index == 0)
                {
                    throw new InvalidOperationException($"The statement has no parameter {name}.");
                }
                _indexes[name] = index;
            }
            var rc = value switch
            {
                string text => raw.sqlite3_bind_text(_statement, index, text),
                long number => raw.sqlite3_bind_int64(_statement, index, number),
                int number => raw.sqlite3_bind_int64(_statement, index, number),
                double number => raw.sqlite3_bind_double(_statement, index, number),
                DBNull => raw.sqlite3_bind_null(_statement, index),
                _ => throw new ArgumentException($"Parameter {name}: a {value.GetType().Name} is not a value the writer binds.", nameof(value)),
            };
            SqliteException.ThrowExceptionForRC(rc, _db);
        }

        public void Dispose() => _statement.Dispose();
    }
}
