using System.Data.Common;
using Microsoft.Extensions.Logging;
using OmniActors.Errors;
using OmniActors.Lifecycle;
using OmniActors.Tasks;
using static OmniActors.Storage.TaskRowMapping;
using TaskStatus = OmniActors.Tasks.TaskStatus;

namespace OmniActors.Storage;

/// <summary>
/// The task table over ADO.NET, shared by SQLite and PostgreSQL: the SQL is portable, only opening connections
/// and committing a group of writes differ per provider.
/// </summary>
internal abstract class SqlTaskStore : ITaskStore, IAsyncDisposable
{
    /// <summary>Inserts a new row; a row with the id already there makes it change nothing (a conflict).</summary>
    protected const string InsertSql =
        $"INSERT INTO omni_tasks ({Columns}) VALUES (@id, @queue, @partition, @action, @payload, @priority, @status, @attempt, " +
        "@retry_policy, @timeout_ms, @result_ttl_ms, @created_at, @updated_at, @due_at, @started_at, @finished_at, @lease_expires_at, " +
        "@lease_owner, @result, @result_expires_at, @last_error, @idempotency_key, @spec_hash, @cancel_reason, @version, " +
        "@depends_on, @run_when, @on_dependency_failure, @dependents, @workflow_id, @workflow_key, @requires_approval, @approvals, " +
        "@trace_parent, @trace_state) " +
        "ON CONFLICT (id) DO NOTHING";

    /// <summary>Compare-and-set update: changes nothing unless the stored version is the one the writer read. It sets the
    /// columns a transition may change; the others are fixed at creation (<see cref="TaskRowMapping.BindUpdate"/>).</summary>
    protected const string UpdateSql =
        "UPDATE omni_tasks SET payload = @payload, status = @status, attempt = @attempt, updated_at = @updated_at, due_at = @due_at, " +
        "started_at = @started_at, finished_at = @finished_at, " +
        "lease_expires_at = @lease_expires_at, lease_owner = @lease_owner, result = @result, result_expires_at = @result_expires_at, " +
        "last_error = @last_error, cancel_reason = @cancel_reason, version = @version, dependents = @dependents, " +
        "requires_approval = @requires_approval, approvals = @approvals WHERE id = @id AND version = @expected_version";

    /// <summary>Compare-and-set delete.</summary>
    protected const string DeleteSql = "DELETE FROM omni_tasks WHERE id = @id AND version = @expected_version";

    private const string PendingStatuses = "('scheduled', 'queued', 'retrying', 'running')";

    private readonly GroupCommitter<PendingWrite, long> _committer;

    /// <param name="maxBatchSize">Most writes in one transaction.</param>
    /// <param name="logger">Where failed commits are logged.</param>
    /// <param name="flushAfterCommit">The store's commits do not wait for the disk: <see cref="FlushCommits"/> makes them
    /// durable, pipelined with the next commit, before any write in them completes.</param>
    /// <param name="writers">Group commits in flight at once (1 for a database with one writer).</param>
    protected SqlTaskStore(int maxBatchSize, ILogger logger, bool flushAfterCommit = false, int writers = 1) =>
        _committer = new GroupCommitter<PendingWrite, long>(CommitBatchAsync, maxBatchSize, logger,
            makeDurable: flushAfterCommit ? FlushCommits : null, writers: writers);

    /// <summary>Commits, rows written and pipelined flushes to disk so far.</summary>
    public (long Commits, long Rows, long Flushes) WriteCounters => (_committer.Commits, _committer.Rows, _committer.Flushes);

    /// <summary>Time the group commit spent committing so far (<see cref="GroupCommitter{TItem, TResult}.CommitTime"/>).</summary>
    public TimeSpan CommitTime => _committer.CommitTime;

    /// <summary>Makes every transaction committed so far durable; called only by a store built with flushAfterCommit.</summary>
    protected virtual void FlushCommits() => throw new NotSupportedException("This store's commits reach the disk on their own.");

    /// <summary>Opens a pooled connection for reads and maintenance.</summary>
    protected abstract Task<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>Writes a group in one transaction, setting <see cref="PendingWrite.Rejection"/> on items whose compare-and-set missed.</summary>
    protected abstract Task CommitBatchAsync(IReadOnlyList<PendingWrite> batch);

    /// <summary>The statement a write runs.</summary>
    protected static string StatementFor(PendingWrite w)
    {
        ArgumentNullException.ThrowIfNull(w);
        return w.State is null ? DeleteSql : w.ExpectedVersion == 0 ? InsertSql : UpdateSql;
    }

    /// <summary>Passes a write's parameters to <paramref name="add"/> and fixes the version it will store.</summary>
    protected static void BindWrite(PendingWrite w, Action<string, object> add)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(add);
        w.Rejection = null;
        if (w.State is { } state)
        {
            w.NewVersion = w.ExpectedVersion + 1;
            if (w.ExpectedVersion == 0)
            {
                BindInsert(add, state, w.NewVersion);
            }
            else
            {
                BindUpdate(add, state, w.NewVersion);
            }
            return;
        }
        add("@id", w.Id);
        add("@expected_version", w.ExpectedVersion);
    }

    /// <summary>Records the outcome of one write from the rows it changed.</summary>
    protected static void Settle(PendingWrite w, long rowsAffected)
    {
        ArgumentNullException.ThrowIfNull(w);
        if (rowsAffected > 0)
        {
            return;
        }
        w.Rejection = w.Kind == WriteKind.Save && w.ExpectedVersion == 0
            ? new ConflictException(ErrorCodes.Conflict, $"Task {w.Id} already exists.")
            : new ConflictException(ErrorCodes.Conflict, $"Task {w.Id} changed underneath this write (expected version {w.ExpectedVersion}).");
    }

    public Task<long> SaveAsync(TaskInfo state, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        return _committer.Enqueue(new PendingWrite(WriteKind.Save, state.Id, state, state.Version));
    }

    public Task<long> SaveAsync(TaskInfo state, IReadOnlyList<LifecycleEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        return _committer.Enqueue(new PendingWrite(WriteKind.Save, state.Id, state, state.Version, LogEvents ? events : null));
    }

    /// <summary>Whether saves append their events to <c>omni_event_log</c> (<see cref="EventLogOptions.Enabled"/>).</summary>
    protected bool LogEvents { get; init; } = true;

    /// <summary>True when a write committed on its own and carries event-log rows to append after it.</summary>
    protected static bool HasEventsToLog(PendingWrite w)
    {
        ArgumentNullException.ThrowIfNull(w);
        return w.Rejection is null && w.Events is { Count: > 0 };
    }

    public Task DeleteAsync(string id, long expectedVersion, CancellationToken cancellationToken = default) =>
        _committer.Enqueue(new PendingWrite(WriteKind.Delete, id, null, expectedVersion));

    public async Task<TaskInfo?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        var rows = await QueryAsync($"SELECT {Columns} FROM omni_tasks WHERE id = @id", cmd => Add(cmd, "@id", id), cancellationToken);
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task<IReadOnlyList<TaskInfo>> GetManyAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Count == 0)
        {
            return [];
        }
        var names = ids.Select((_, i) => "@id" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        return await QueryAsync($"SELECT {Columns} FROM omni_tasks WHERE id IN ({string.Join(", ", names)})", cmd =>
        {
            var i = 0;
            foreach (var id in ids)
            {
                Add(cmd, names[i++], id);
            }
        }, cancellationToken);
    }

    public Task<IReadOnlyList<TaskInfo>> ListWorkflowAsync(string workflowId, CancellationToken cancellationToken = default) =>
        QueryAsync($"SELECT {Columns} FROM omni_tasks WHERE workflow_id = @workflow ORDER BY created_at, id",
            cmd => Add(cmd, "@workflow", workflowId), cancellationToken);

    /// <summary>A partition's pending and running tasks, found through the partial index <c>ix_omni_tasks_partition_pending</c>
    /// on PostgreSQL, whose condition is this statement's status list, and through <c>ix_omni_tasks_queue_status</c> on
    /// SQLite, whose file holds one silo with one partition a queue by default (deploy/sql/sqlite 0012 dropped the
    /// partition index that every status change rewrote).</summary>
    internal const string LoadPartitionSql =
        $"SELECT {Columns} FROM omni_tasks WHERE queue = @queue AND partition = @partition AND status IN {PendingStatuses} ORDER BY created_at, id";

    public Task<IReadOnlyList<TaskInfo>> LoadPartitionAsync(string queue, int partition, CancellationToken cancellationToken = default) =>
        QueryAsync(LoadPartitionSql,
            cmd =>
            {
                Add(cmd, "@queue", queue);
                Add(cmd, "@partition", partition);
            },
            cancellationToken);

    /// <summary>Moves one pending row to another partition of its queue, compare-and-set on the version, which it bumps.</summary>
    internal const string MovePartitionSql =
        "UPDATE omni_tasks SET partition = @partition, version = @version WHERE id = @id AND version = @expected_version " +
        "AND status IN ('scheduled', 'queued', 'retrying')";

    public async Task<IReadOnlyList<TaskInfo>> MovePartitionAsync(IReadOnlyList<(TaskInfo Row, int Partition)> moves,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(moves);
        // Beside the group commit: rows change partition only after the queue's partition count changed, a rare sweep.
        // One transaction, so a crash leaves each row either where it was or where it belongs, never half-moved.
        var moved = new List<TaskInfo>(moves.Count);
        try
        {
            await using var connection = await OpenAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            foreach (var (row, partition) in moves)
            {
                // A command a row: Npgsql auto-prepares a statement after a few runs, and a prepared command whose
                // parameters were cleared and added again kept sending the earlier values.
                await using var cmd = connection.CreateCommand();
                cmd.Transaction = transaction;
                cmd.CommandText = MovePartitionSql;
                Add(cmd, "@partition", partition);
                Add(cmd, "@version", row.Version + 1);
                Add(cmd, "@id", row.Id);
                Add(cmd, "@expected_version", row.Version);
                if (await cmd.ExecuteNonQueryAsync(cancellationToken) == 1)
                {
                    moved.Add(row with { Partition = partition, Version = row.Version + 1 });
                }
            }
            await transaction.CommitAsync(cancellationToken);
        }
        catch (DbException ex)
        {
            throw new StorageUnavailableException($"The task store could not move tasks between partitions: {ex.Message}");
        }
        return moved;
    }

    public async Task<IReadOnlyList<(string Queue, int Partition)>> ActivePartitionsAsync(CancellationToken cancellationToken = default)
    {
        var result = new List<(string, int)>();
        await ReadAsync($"SELECT DISTINCT queue, partition FROM omni_tasks WHERE status IN {PendingStatuses}", _ => { },
            r => result.Add((r.GetString(0), r.GetInt32(1))), cancellationToken);
        return result;
    }

    public async Task<TaskPage> ListAsync(TaskQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var limit = Math.Clamp(query.Limit, 1, 500);
        var cursor = KeysetCursor.Decode(query.Cursor);
        var where = new List<string>();
        if (query.Queue is not null)
        {
            where.Add("queue = @queue");
        }
        if (query.Status is not null)
        {
            where.Add("status = @status");
        }
        if (cursor is not null)
        {
            where.Add("(created_at < @c_at OR (created_at = @c_at AND id < @c_id))");
        }
        var sql = $"SELECT {Columns} FROM omni_tasks" + (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "") +
                  " ORDER BY created_at DESC, id DESC LIMIT @limit";
        var rows = await QueryAsync(sql, cmd =>
        {
            if (query.Queue is not null)
            {
                Add(cmd, "@queue", query.Queue);
            }
            if (query.Status is { } status)
            {
                Add(cmd, "@status", ToDb(status));
            }
            if (cursor is { } c)
            {
                Add(cmd, "@c_at", c.At);
                Add(cmd, "@c_id", c.Id);
            }
            Add(cmd, "@limit", limit + 1);
        }, cancellationToken);
        var items = rows.Take(limit).ToList();
        return new TaskPage { Items = items, NextCursor = rows.Count > limit ? KeysetCursor.Encode(items[^1].CreatedAt, items[^1].Id) : null };
    }

    public async Task<IReadOnlyList<string>> ListIdsAsync(string? queue, TaskStatus status, int limit, string? afterId, CancellationToken cancellationToken = default)
    {
        var ids = new List<string>();
        var sql = "SELECT id FROM omni_tasks WHERE status = @status" + (queue is null ? "" : " AND queue = @queue") +
                  (afterId is null ? "" : " AND id > @after") + " ORDER BY id LIMIT @limit";
        await ReadAsync(sql, cmd =>
        {
            Add(cmd, "@status", ToDb(status));
            if (queue is not null)
            {
                Add(cmd, "@queue", queue);
            }
            if (afterId is not null)
            {
                Add(cmd, "@after", afterId);
            }
            Add(cmd, "@limit", limit);
        }, r => ids.Add(r.GetString(0)), cancellationToken);
        return ids;
    }

    public async Task<IReadOnlyList<string>> ListQueuesAsync(CancellationToken cancellationToken = default)
    {
        var queues = new List<string>();
        await ReadAsync("SELECT DISTINCT queue FROM omni_tasks ORDER BY queue", _ => { }, r => queues.Add(r.GetString(0)), cancellationToken);
        return queues;
    }

    /// <summary>
    /// Finished before the cutoff, found through <c>ix_omni_tasks_status (status, created_at)</c>: a task is created before
    /// it finishes, so the created_at bound drops no row the finished_at one keeps, and no index on finished_at has to be
    /// written by every finishing task (deploy/sql 0011). A task created long ago that finished after the cutoff is
    /// read and kept until the cutoff passes it; a silo clock behind the enqueuer's only delays a deletion.
    /// </summary>
    internal const string DeleteFinishedSql =
        "DELETE FROM omni_tasks WHERE id IN (SELECT id FROM omni_tasks WHERE status IN ('succeeded', 'cancelled', 'rejected') " +
        "AND created_at < @before AND finished_at < @before LIMIT @n)";

    public async Task<int> DeleteFinishedAsync(DateTimeOffset finishedBefore, int batchSize, CancellationToken cancellationToken = default)
    {
        // Beside the group commit, like the result sweep: a terminal task is never written again, so no version to match.
        try
        {
            await using var connection = await OpenAsync(cancellationToken);
            await using var cmd = connection.CreateCommand();
            cmd.CommandText = DeleteFinishedSql;
            Add(cmd, "@before", ToMs(finishedBefore));
            Add(cmd, "@n", batchSize);
            return await cmd.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (DbException ex)
        {
            throw new StorageUnavailableException($"The task store could not delete finished tasks: {ex.Message}");
        }
    }

    public async Task<int> ClearExpiredResultsAsync(DateTimeOffset now, int batchSize, CancellationToken cancellationToken = default)
    {
        // A rare sweep through a pooled connection, not the group-commit path. The version is not bumped: a result
        // past its TTL is already hidden from readers, and the task is terminal so no grain writes it again.
        try
        {
            await using var connection = await OpenAsync(cancellationToken);
            await using var cmd = connection.CreateCommand();
            cmd.CommandText = "UPDATE omni_tasks SET result = NULL WHERE id IN " +
                              "(SELECT id FROM omni_tasks WHERE result IS NOT NULL AND result_expires_at <= @now LIMIT @n)";
            Add(cmd, "@now", ToMs(now));
            Add(cmd, "@n", batchSize);
            return await cmd.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (DbException ex)
        {
            throw new StorageUnavailableException($"The task store could not sweep results: {ex.Message}");
        }
    }

    private async Task<IReadOnlyList<TaskInfo>> QueryAsync(string sql, Action<DbCommand> bind, CancellationToken cancellationToken)
    {
        var rows = new List<TaskInfo>();
        await ReadAsync(sql, bind, r => rows.Add(Read(r)), cancellationToken);
        return rows;
    }

    private async Task ReadAsync(string sql, Action<DbCommand> bind, Action<DbDataReader> row, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await OpenAsync(cancellationToken);
            await using var cmd = connection.CreateCommand();
            cmd.CommandText = sql;
            bind(cmd);
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                row(reader);
            }
        }
        catch (DbException ex)
        {
            // Driver types must not cross a grain call: callers get our serializable error.
            throw new StorageUnavailableException($"The task store could not be read: {ex.Message}");
        }
        catch (InvalidOperationException ex) when (ex.InnerException is DbException or System.Net.Sockets.SocketException)
        {
            throw new StorageUnavailableException($"The task store could not be reached: {ex.Message}");
        }
    }

    public virtual async ValueTask DisposeAsync()
    {
        await _committer.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
