using System.Data.Common;
using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OmniActors.Lifecycle;
using SQLitePCL;

namespace OmniActors.Storage.Sqlite;

/// <summary>The task table in the embedded SQLite file: one writer connection fed by group commit, pooled readers.</summary>
internal sealed partial class SqliteTaskStore : SqlTaskStore
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
    /// three event-log rows) that lookup was the largest share of the group commit's time. The binds and steps call
    /// SQLite directly (<see cref="Native"/>) on the statement's pointer, held for the statement's life: through
    /// SQLitePCL each call took and released the statement's SafeHandle and copied each string to UTF-8 in a new array,
    /// ~15 % of the writer's time in a profile of the throughput bench. Used only by the committer's single loop, inside
    /// the transaction that <see cref="CommitBatchAsync"/> opened on the same connection.
    /// </summary>
    private sealed class WriterStatement : IDisposable
    {
        private readonly sqlite3 _db;
        private readonly IntPtr _dbHandle;
        private readonly sqlite3_stmt _statement;
        private readonly IntPtr _handle;
        private readonly Dictionary<string, int> _indexes = new(StringComparer.Ordinal);

        public WriterStatement(sqlite3 db, string sql)
        {
            _db = db;
            var rc = raw.sqlite3_prepare_v2(db, sql, out _statement);
            SqliteException.ThrowExceptionForRC(rc, db);
            _handle = _statement.DangerousGetHandle();
            _dbHandle = db.DangerousGetHandle();
            Set = Bind;
        }

        /// <summary>Binds a parameter of the statement by name, as a delegate made once.</summary>
        public Action<string, object> Set { get; }

        /// <summary>Runs the statement with the values bound; returns the rows it changed.</summary>
        public int Execute()
        {
            try
            {
                var rc = Native.sqlite3_step(_handle);
                if (rc != raw.SQLITE_DONE)
                {
                    SqliteException.ThrowExceptionForRC(rc, _db);
                }
                return Native.sqlite3_changes(_dbHandle);
            }
            finally
            {
                // reset repeats the step's error, already thrown above; clear_bindings cannot fail.
                _ = Native.sqlite3_reset(_handle);
                _ = Native.sqlite3_clear_bindings(_handle);
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
                string text => BindText(index, text),
                long number => Native.sqlite3_bind_int64(_handle, index, number),
                int number => Native.sqlite3_bind_int64(_handle, index, number),
                double number => Native.sqlite3_bind_double(_handle, index, number),
                DBNull => Native.sqlite3_bind_null(_handle, index),
                _ => throw new ArgumentException($"Parameter {name}: a {value.GetType().Name} is not a value the writer binds.", nameof(value)),
            };
            SqliteException.ThrowExceptionForRC(rc, _db);
        }

        /// <summary>Binds the string's UTF-16 characters; SQLite copies them (and stores them as the file's UTF-8).</summary>
        private unsafe int BindText(int index, string text)
        {
            fixed (char* chars = text)
            {
                return Native.sqlite3_bind_text16(_handle, index, chars, checked(text.Length * sizeof(char)), Native.Transient);
            }
        }

        public void Dispose() => _statement.Dispose();
    }

    /// <summary>The SQLite calls of the writer's hot loop, on the library SQLitePCL loads (e_sqlite3).</summary>
    private static unsafe partial class Native
    {
        private const string Library = "e_sqlite3";

        /// <summary>SQLITE_TRANSIENT: SQLite copies the value before the bind returns.</summary>
        public static readonly IntPtr Transient = new(-1);

        [LibraryImport(Library)]
        public static partial int sqlite3_bind_int64(IntPtr statement, int index, long value);

        [LibraryImport(Library)]
        public static partial int sqlite3_bind_double(IntPtr statement, int index, double value);

        [LibraryImport(Library)]
        public static partial int sqlite3_bind_null(IntPtr statement, int index);

        [LibraryImport(Library)]
        public static partial int sqlite3_bind_text16(IntPtr statement, int index, char* text, int bytes, IntPtr destructor);

        [LibraryImport(Library)]
        public static partial int sqlite3_step(IntPtr statement);

        [LibraryImport(Library)]
        public static partial int sqlite3_reset(IntPtr statement);

        [LibraryImport(Library)]
        public static partial int sqlite3_clear_bindings(IntPtr statement);

        [LibraryImport(Library)]
        public static partial int sqlite3_changes(IntPtr db);
    }
}
