using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OmniActors.Lifecycle;

namespace OmniActors.Storage.Sqlite;

/// <summary>The task table in the embedded SQLite file: one writer connection fed by group commit, pooled readers.</summary>
internal sealed class SqliteTaskStore : SqlTaskStore
{
    private readonly string _connectionString;
    private readonly SqliteConnection _writer;
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

    public SqliteTaskStore(IOptions<StorageOptions> options, IOptions<EventLogOptions> eventLog, ILogger<SqliteTaskStore> logger)
        : base(options.Value.MaxBatchSize, logger)
    {
        LogEvents = eventLog.Value.Enabled;
        _connectionString = SqliteDatabase.ConnectionString(options.Value);
        _writer = new SqliteConnection(_connectionString);
        _writer.Open();
        SqliteDatabase.ApplyPragmas(_writer, options.Value);
    }

    protected override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    /// <summary>SQLite is synchronous underneath: the whole group runs on the committer's loop, statements prepared once.</summary>
    protected override Task CommitBatchAsync(IReadOnlyList<PendingWrite> batch)
    {
        using var tx = _writer.BeginTransaction(deferred: false);
        foreach (var w in batch)
        {
            var cmd = Statement(StatementFor(w));
            cmd.Parameters.Clear();
            BindWrite(w, (name, value) => cmd.Parameters.AddWithValue(name, value));
            cmd.Transaction = tx;
            Settle(w, cmd.ExecuteNonQuery());
            if (HasEventsToLog(w))
            {
                // The transition's events commit with its row or not at all: the log never lacks nor invents a transition.
                var insert = Statement(EventLogRows.InsertSql);
                insert.Transaction = tx;
                foreach (var e in w.Events!)
                {
                    insert.Parameters.Clear();
                    EventLogRows.Bind((name, value) => insert.Parameters.AddWithValue(name, value), e);
                    insert.ExecuteNonQuery();
                }
            }
        }
        tx.Commit();
        return Task.CompletedTask;
    }

    private SqliteCommand Statement(string sql)
    {
        if (!_commands.TryGetValue(sql, out var cmd))
        {
            cmd = _writer.CreateCommand();
            cmd.CommandText = sql;
            _commands[sql] = cmd;
        }
        return cmd;
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        foreach (var cmd in _commands.Values)
        {
            await cmd.DisposeAsync();
        }
        await _writer.DisposeAsync();
    }
}
