using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using OmniActors.Errors;
using OmniActors.Lifecycle;
using OmniActors.Storage;
using OmniActors.Storage.Sqlite;
using OmniActors.Tasks;
using OmniActors.Tests.Support;
using static OmniActors.Tests.Tasks.TaskTestKit;
using TaskStatus = OmniActors.Tasks.TaskStatus;

namespace OmniActors.Tests.Storage;

/// <summary>
/// The SQLite writer binds its prepared statements by index (not through Microsoft.Data.Sqlite's parameters): every
/// column and event must still land as written, and the compare-and-set must still refuse a stale or repeated write.
/// </summary>
public sealed class SqliteTaskStoreTests
{
    internal static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeMilliseconds(1_764_000_000_000);

    /// <summary>A store on a fresh SQLite file with our schema, deleted afterwards.</summary>
    private sealed class ScratchStore : IAsyncDisposable
    {
        private readonly string _folder = Path.Combine(Path.GetTempPath(), "omni-store-" + Guid.NewGuid().ToString("N"));

        private ScratchStore() => Options = new StorageOptions { SqlitePath = Path.Combine(_folder, "omni.db") };

        public StorageOptions Options { get; }
        public SqliteTaskStore Store { get; private set; } = null!;

        public static async Task<ScratchStore> OpenAsync(Action<StorageOptions>? configure = null)
        {
            var scratch = new ScratchStore();
            configure?.Invoke(scratch.Options);
            await SqliteDatabase.InstallSchemaAsync(scratch.Options, CancellationToken.None);
            scratch.Store = new SqliteTaskStore(Microsoft.Extensions.Options.Options.Create(scratch.Options),
                Microsoft.Extensions.Options.Options.Create(new EventLogOptions()), NullLogger<SqliteTaskStore>.Instance);
            return scratch;
        }

        public async ValueTask DisposeAsync()
        {
            await Store.DisposeAsync();
            SqliteConnection.ClearAllPools();
            Directory.Delete(_folder, recursive: true);
        }
    }

    internal static TaskInfo NewTask(string id) => new()
    {
        Id = id,
        Queue = "emails",
        Partition = 3,
        Action = "send-message",
        Payload = """{"to":"ada","text":"héllo ✓"}""",
        Priority = -2,
        Status = TaskStatus.Queued,
        Retry = new RetryPolicy { MaxAttempts = 5, NonRetryableErrors = ["System.ArgumentException"] },
        Timeout = TimeSpan.FromSeconds(90),
        ResultTtl = TimeSpan.FromHours(2),
        CreatedAt = Now,
        UpdatedAt = Now,
        DueAt = Now.AddMinutes(5),
        IdempotencyKey = "order-42",
        SpecHash = "abc123",
        DependsOn = ["dep-1", "dep-2"],
        RunWhen = DependencyCondition.AllEnded,
        WorkflowId = "wf-1",
        WorkflowKey = "send",
    };

    internal static LifecycleEvent Event(string id, string type, int attempt) =>
        new() { Kind = LifecycleKind.Task, Id = id, Queue = "emails", Type = type, Attempt = attempt, At = Now, Action = "send-message" };

    [Fact]
    public async Task A_task_written_then_updated_reads_back_column_for_column_with_its_events_logged()
    {
        await using var scratch = await ScratchStore.OpenAsync();
        var store = scratch.Store;
        var options = scratch.Options;
        var created = NewTask("t-roundtrip");
        var v1 = await store.SaveAsync(created, [Event(created.Id, "enqueued", 0)]);
        var running = created with
        {
            Version = v1,
            Status = TaskStatus.Running,
            Attempt = 1,
            DueAt = null,
            StartedAt = Now.AddSeconds(1),
            UpdatedAt = Now.AddSeconds(1),
            LeaseOwner = "silo-a",
            LeaseExpiresAt = Now.AddSeconds(31),
            Dependents = ["child-1"],
        };
        var v2 = await store.SaveAsync(running, [Event(created.Id, "executing", 1)]);
        var done = running with
        {
            Version = v2,
            Status = TaskStatus.Succeeded,
            FinishedAt = Now.AddSeconds(2),
            UpdatedAt = Now.AddSeconds(2),
            LeaseOwner = null,
            LeaseExpiresAt = null,
            Result = """{"sent":true}""",
            ResultExpiresAt = Now.AddHours(2),
            LastError = new TaskError { Type = "System.IO.IOException", Message = "disk", Attempt = 1, At = Now },
        };
        var v3 = await store.SaveAsync(done, [Event(created.Id, "complete", 1)]);

        Assert.Equal([1L, 2L, 3L], [v1, v2, v3]);
        var stored = await store.GetAsync(created.Id);
        Assert.NotNull(stored);
        Assert.Equal(done with { Version = 3 }, stored with
        {
            // Lists and nested records compare by reference in a record's equality: compare their contents below.
            Retry = done.Retry, DependsOn = done.DependsOn, Dependents = done.Dependents, Approvals = done.Approvals, LastError = done.LastError,
        });
        Assert.Equal(done.Retry with { NonRetryableErrors = [] }, stored.Retry with { NonRetryableErrors = [] });
        Assert.Equal(done.Retry.NonRetryableErrors, stored.Retry.NonRetryableErrors);
        Assert.Equal(done.DependsOn, stored.DependsOn);
        Assert.Equal(done.Dependents, stored.Dependents);
        Assert.Equal(done.LastError, stored.LastError);

        await using var connection = new SqliteConnection(SqliteDatabase.ConnectionString(options));
        await connection.OpenAsync();
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT type || ':' || attempt FROM omni_event_log WHERE subject = $id ORDER BY seq";
        cmd.Parameters.AddWithValue("$id", created.Id);
        var events = new List<string>();
        await using (var reader = await cmd.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                events.Add(reader.GetString(0));
            }
        }
        Assert.Equal(["enqueued:0", "executing:1", "complete:1"], events);
    }

    [Fact]
    public async Task Text_binds_as_written_empty_apart_from_null_beyond_the_basic_plane_with_a_nul_and_a_megabyte_long()
    {
        // The writer binds strings as UTF-16 straight into SQLite (SqliteNative), which converts them as it stores them.
        await using var scratch = await ScratchStore.OpenAsync();
        var store = scratch.Store;
        var big = string.Concat(Enumerable.Repeat("ab😀ç", 1 << 18));
        var created = NewTask("t-text") with { Payload = big, IdempotencyKey = "", SpecHash = "nul\0inside", WorkflowKey = "🧪" };
        var v1 = await store.SaveAsync(created, [Event(created.Id, "enqueued", 0) with { Detail = "" }]);
        var ended = created with { Version = v1, Status = TaskStatus.Succeeded, Result = "", CancelReason = "\uD83D\uDE00\u00e9", LeaseOwner = null };
        await store.SaveAsync(ended, [Event(created.Id, "complete", 0)]);

        var stored = await store.GetAsync(created.Id);
        Assert.NotNull(stored);
        Assert.Equal(big, stored.Payload);
        Assert.Equal("", stored.IdempotencyKey);
        Assert.Equal("nul\0inside", stored.SpecHash);
        Assert.Equal("🧪", stored.WorkflowKey);
        Assert.Equal("", stored.Result);
        Assert.Equal("😀é", stored.CancelReason);
        Assert.Null(stored.LeaseOwner);

        await using var connection = new SqliteConnection(SqliteDatabase.ConnectionString(scratch.Options));
        await connection.OpenAsync();
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT typeof(detail), length(CAST(payload AS BLOB)) FROM omni_event_log e JOIN omni_tasks t ON t.id = e.subject WHERE e.type = 'enqueued' AND t.id = $id";
        cmd.Parameters.AddWithValue("$id", created.Id);
        await using var reader = await cmd.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        // An empty detail is text, not NULL; the payload is stored as UTF-8 (the emoji take 4 bytes, ç 2).
        Assert.Equal("text", reader.GetString(0));
        Assert.Equal((1 + 1 + 4 + 2) * (1 << 18), reader.GetInt64(1));
    }

    [Fact]
    public async Task A_repeated_insert_or_a_stale_update_is_a_conflict_that_changes_nothing_and_logs_nothing()
    {
        await using var scratch = await ScratchStore.OpenAsync();
        var store = scratch.Store;
        var created = NewTask("t-conflict");
        var v1 = await store.SaveAsync(created, [Event(created.Id, "enqueued", 0)]);

        await Assert.ThrowsAsync<ConflictException>(() => store.SaveAsync(created with { Payload = "{}" }, [Event(created.Id, "enqueued", 0)]));
        await store.SaveAsync(created with { Version = v1, Priority = 9, Status = TaskStatus.Cancelled, CancelReason = "first" });
        await Assert.ThrowsAsync<ConflictException>(() =>
            store.SaveAsync(created with { Version = v1, Status = TaskStatus.Running, Attempt = 1 }, [Event(created.Id, "executing", 1)]));

        var stored = await store.GetAsync(created.Id);
        Assert.Equal(TaskStatus.Cancelled, stored!.Status);
        Assert.Equal("first", stored.CancelReason);
        Assert.Equal(created.Payload, stored.Payload);
        // Priority is fixed at creation: an update does not write it.
        Assert.Equal(created.Priority, stored.Priority);
        Assert.Equal(2, stored.Version);
        await using (var connection = new SqliteConnection(SqliteDatabase.ConnectionString(scratch.Options)))
        {
            await connection.OpenAsync();
            await using var cmd = connection.CreateCommand();
            cmd.CommandText = "SELECT COUNT(*) FROM omni_event_log WHERE subject = $id";
            cmd.Parameters.AddWithValue("$id", created.Id);
            // Only the first insert's event: the refused writes logged none.
            Assert.Equal(1L, await cmd.ExecuteScalarAsync());
        }

        await Assert.ThrowsAsync<ConflictException>(() => store.DeleteAsync(created.Id, expectedVersion: 1));
        await store.DeleteAsync(created.Id, expectedVersion: 2);
        Assert.Null(await store.GetAsync(created.Id));
    }

    /// <summary>Rows of a table, read through a connection of its own (not the store's).</summary>
    internal static async Task<long> CountRowsAsync(StorageOptions options, string table)
    {
        await using var connection = new SqliteConnection(SqliteDatabase.ConnectionString(options));
        await connection.OpenAsync();
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = $"SELECT COUNT(*) FROM {table}";
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task Under_FULL_the_group_commit_flushes_the_log_itself_and_every_acknowledged_write_is_in_the_file()
    {
        await using var scratch = await ScratchStore.OpenAsync();
        var store = scratch.Store;
        Assert.True(scratch.Options.SqliteSynchronousFull, "FULL is the default");
        Assert.Equal(Path.GetFullPath(scratch.Options.SqlitePath) + "-wal", store.FlushedLog);

        var versions = await Task.WhenAll(Enumerable.Range(0, 200).Select(i =>
            store.SaveAsync(NewTask($"t-flushed-{i}"), [Event($"t-flushed-{i}", "enqueued", 0)])));

        Assert.All(versions, v => Assert.Equal(1L, v));
        var (commits, rows, flushes) = store.WriteCounters;
        Assert.Equal(200, rows);
        Assert.InRange(flushes, 1, commits);
        Assert.True(new FileInfo(store.FlushedLog!).Length > 0, "the flushed file is the log SQLite writes");
        Assert.Equal(200L, await CountRowsAsync(scratch.Options, "omni_tasks"));
    }

    [Fact]
    public async Task Without_flushing_after_commit_SQLite_flushes_inside_each_commit_and_the_group_commit_flushes_nothing()
    {
        await using var scratch = await ScratchStore.OpenAsync(o => o.SqliteFlushAfterCommit = false);
        var store = scratch.Store;
        Assert.Null(store.FlushedLog);

        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => store.SaveAsync(NewTask($"t-full-{i}"))));

        Assert.Equal(0, store.WriteCounters.Flushes);
        Assert.Equal(20L, await CountRowsAsync(scratch.Options, "omni_tasks"));
    }

    [Theory]
    [InlineData(true, true, null, true)]
    [InlineData(true, false, null, false)]
    [InlineData(false, true, null, false)]
    [InlineData(true, true, "Data Source=:memory:", false)]
    [InlineData(true, true, "Data Source=omni;Mode=Memory;Cache=Shared", false)]
    [InlineData(true, true, "Data Source=elsewhere.db", true)]
    public void The_log_is_flushed_after_commit_only_for_a_file_under_FULL_with_the_setting_on(bool full, bool flushAfterCommit, string? connectionString, bool flushed)
    {
        var options = new StorageOptions
        {
            SqlitePath = Path.Combine(Path.GetTempPath(), "omni-flag-" + Guid.NewGuid().ToString("N"), "omni.db"),
            SqliteSynchronousFull = full,
            SqliteFlushAfterCommit = flushAfterCommit,
            ConnectionString = connectionString,
        };

        var file = SqliteDatabase.FlushedAfterCommit(options);

        Assert.Equal(flushed, file is not null);
        if (file is not null)
        {
            Assert.Equal(Path.GetFullPath(connectionString is null ? options.SqlitePath : "elsewhere.db"), file);
        }
    }

    [Fact]
    public void Flushing_a_log_that_does_not_exist_is_an_IO_error_not_a_silent_success()
    {
        using var flush = new SqliteWalFlush(Path.Combine(Path.GetTempPath(), "omni-missing-" + Guid.NewGuid().ToString("N"), "omni.db"));
        Assert.ThrowsAny<IOException>(flush.Flush);
    }

    [Theory]
    [InlineData(true, 200, 1L, 10_000L)]
    [InlineData(false, 200, 2L, 10_000L)]
    [InlineData(true, 0, 1L, 1_000L)]
    public async Task A_writer_commits_with_NORMAL_only_when_its_group_commit_flushes_the_log_and_checkpoints_only_as_a_backstop_beside_the_checkpointer(
        bool flushAfterCommit, int checkpointMs, long synchronous, long autoCheckpoint)
    {
        var folder = Path.Combine(Path.GetTempPath(), "omni-writer-" + Guid.NewGuid().ToString("N"));
        var options = new StorageOptions
        {
            SqlitePath = Path.Combine(folder, "omni.db"),
            SqliteFlushAfterCommit = flushAfterCommit,
            SqliteCheckpointInterval = TimeSpan.FromMilliseconds(checkpointMs),
        };
        try
        {
            var (writer, flush, checkpointer) = SqliteDatabase.OpenWriter(options);
            using (checkpointer)
            using (flush)
            await using (writer)
            {
                Assert.Equal(flushAfterCommit, flush is not null);
                Assert.Equal(checkpointMs > 0, checkpointer is not null);
                await using var cmd = writer.CreateCommand();
                cmd.CommandText = "PRAGMA synchronous";
                Assert.Equal(synchronous, await cmd.ExecuteScalarAsync());
                cmd.CommandText = "PRAGMA journal_mode";
                Assert.Equal("wal", await cmd.ExecuteScalarAsync());
                cmd.CommandText = "PRAGMA wal_autocheckpoint";
                Assert.Equal(autoCheckpoint, await cmd.ExecuteScalarAsync());
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task A_thread_of_its_own_checkpoints_the_log_under_load_so_the_writer_never_needs_its_backstop()
    {
        await using var scratch = await ScratchStore.OpenAsync(o => o.SqliteCheckpointInterval = TimeSpan.FromMilliseconds(20));
        var store = scratch.Store;
        var checkpointer = Present(store.Checkpointer);
        Assert.Equal(SqliteCheckpointer.DefaultThresholdFrames, checkpointer.ThresholdFrames);

        // ~50 pages of log per 100 tasks: 6,000 tasks pass the 1,000-frame threshold several times.
        for (var wave = 0; wave < 60; wave++)
        {
            await Task.WhenAll(Enumerable.Range(0, 100).Select(i =>
                store.SaveAsync(NewTask($"t-cp-{wave}-{i}"), [Event($"t-cp-{wave}-{i}", "enqueued", 0)])));
        }

        await Eventually.Until(() => Task.FromResult(checkpointer.CaughtUp), n => n > 0, TimeSpan.FromSeconds(10),
            "a checkpoint copies the whole log into the database");
        Assert.Null(checkpointer.LastError);
        // The log file never shrinks, so its size is the longest it ever was: shorter than the writer's own threshold.
        Assert.InRange(new FileInfo(store.FlushedLog!).Length, 1, SqliteCheckpointer.WriterBackstopPages * 4096L);
        Assert.InRange(checkpointer.UncopiedFrames() ?? -1, 0, SqliteCheckpointer.DefaultThresholdFrames * 3L);
        Assert.Equal(6000L, await CountRowsAsync(scratch.Options, "omni_tasks"));
    }

    [Fact]
    public async Task The_checkpoint_thread_leaves_a_short_log_alone_and_copies_one_past_its_threshold()
    {
        var folder = Path.Combine(Path.GetTempPath(), "omni-checkpoint-" + Guid.NewGuid().ToString("N"));
        var options = new StorageOptions { SqlitePath = Path.Combine(folder, "omni.db") };
        try
        {
            await using var connection = new SqliteConnection(SqliteDatabase.ConnectionString(options));
            await connection.OpenAsync();
            await using var cmd = connection.CreateCommand();
            // This connection never checkpoints itself: only the thread may shorten the log.
            cmd.CommandText = "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0; CREATE TABLE t (v TEXT)";
            await cmd.ExecuteNonQueryAsync();
            using var checkpointer = new SqliteCheckpointer(SqliteDatabase.ConnectionString(options), connection.DataSource,
                TimeSpan.FromMilliseconds(10), thresholdFrames: 40);
            async Task WriteAsync(int rows)
            {
                for (var i = 0; i < rows; i++)
                {
                    cmd.CommandText = $"INSERT INTO t (v) VALUES ('{new string('x', 3000)}')";
                    await cmd.ExecuteNonQueryAsync();
                }
            }

            await WriteAsync(10);
            var shortLog = checkpointer.UncopiedFrames() ?? -1;
            Assert.InRange(shortLog, 10, 39);
            await HoldsFor(TimeSpan.FromMilliseconds(200), () => Task.FromResult(checkpointer.Checkpoints == 0),
                "a log under the threshold is left to grow");

            await WriteAsync(40);
            // The thread may copy while the writes go on; what it leaves behind after them is under its threshold.
            await Eventually.Until(() => Task.FromResult(checkpointer.Checkpoints), n => n >= 1, TimeSpan.FromSeconds(10),
                "the thread checkpoints a log past its threshold");
            await Eventually.Until(() => Task.FromResult(checkpointer.UncopiedFrames() ?? -1), n => n is >= 0 and < 40, TimeSpan.FromSeconds(10),
                "the log's frames not yet in the database fall under the threshold");
            Assert.Null(checkpointer.LastError);
            cmd.CommandText = "SELECT COUNT(*) FROM t";
            Assert.Equal(50L, await cmd.ExecuteScalarAsync());
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task A_store_disposed_twice_stops_its_threads_once_and_does_not_throw()
    {
        // A host may dispose a store twice (registered under two service types); its checkpoint thread must not mind.
        await using var scratch = await ScratchStore.OpenAsync();
        await scratch.Store.SaveAsync(NewTask("t-twice"), [Event("t-twice", "enqueued", 0)]);

        await scratch.Store.DisposeAsync();
        Assert.Null(await Record.ExceptionAsync(() => scratch.Store.DisposeAsync().AsTask()));
    }

    [Fact]
    public async Task A_database_SQLite_keeps_in_memory_through_a_URI_has_no_log_to_flush_and_its_store_still_writes()
    {
        // The connection string's own check cannot see "mode=memory" inside a URI; SQLite, asked for the file it opened, can.
        var options = new StorageOptions { ConnectionString = $"Data Source=file:omni-{Guid.NewGuid():N}?mode=memory&cache=shared" };
        Assert.NotNull(SqliteDatabase.FlushedAfterCommit(options));

        // The shared in-memory database lives while this connection holds it open.
        var (keeper, flush, checkpointer) = SqliteDatabase.OpenWriter(options);
        await using (keeper)
        {
            Assert.Null(flush);
            Assert.Null(checkpointer);
            await SchemaInstaller.ApplyAsync(keeper, "sqlite", CancellationToken.None);
            await using var store = new SqliteTaskStore(Microsoft.Extensions.Options.Options.Create(options),
                Microsoft.Extensions.Options.Options.Create(new EventLogOptions()), NullLogger<SqliteTaskStore>.Instance);
            Assert.Null(store.FlushedLog);

            Assert.Equal(1, await store.SaveAsync(NewTask("t-memory"), [Event("t-memory", "enqueued", 0)]));
            Assert.Equal(TaskStatus.Queued, (await store.GetAsync("t-memory"))!.Status);
        }
    }
}
