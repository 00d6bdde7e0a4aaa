using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OmniActors.Errors;
using OmniActors.Lifecycle;
using OmniActors.Storage;
using OmniActors.Storage.Postgres;
using OmniActors.Storage.Sqlite;
using OmniActors.Tasks;
using static OmniActors.Tests.Storage.SqliteTaskStoreTests;
using TaskStatus = OmniActors.Tasks.TaskStatus;

namespace OmniActors.Tests.Storage;

/// <summary>PostgreSQL writes a group commit's rows as three statements of arrays.</summary>
public sealed class PostgresGroupCommitTests() : GroupCommitTests(new TempPostgresDatabase())
{
    private PostgresDataSource _source = null!;

    private protected override async Task<SqlTaskStore> OpenStoreAsync()
    {
        await ((TempPostgresDatabase)Database).CreateAsync();
        await Database.ApplySchemaAsync();
        var options = Options.Create(new StorageOptions { Provider = StorageOptions.PostgreSql, ConnectionString = Database.ConnectionString });
        _source = new PostgresDataSource(options);
        return new PostgresTaskStore(_source, options, Options.Create(new EventLogOptions()), NullLogger<PostgresTaskStore>.Instance);
    }

    protected override bool ConcurrentWriters => new StorageOptions().PostgresCommitWriters > 1;

    protected override async ValueTask CloseAsync() => await _source.DisposeAsync();
}

/// <summary>SQLite writes a group's rows one statement each and its event-log rows a few multi-row statements.</summary>
public sealed class SqliteGroupCommitTests() : GroupCommitTests(new TempSqliteFile())
{
    private protected override async Task<SqlTaskStore> OpenStoreAsync()
    {
        var options = new StorageOptions { SqlitePath = ((TempSqliteFile)Database).Path };
        await SqliteDatabase.InstallSchemaAsync(options, CancellationToken.None);
        return new SqliteTaskStore(Options.Create(options), Options.Create(new EventLogOptions()), NullLogger<SqliteTaskStore>.Instance);
    }

    protected override ValueTask CloseAsync() => ValueTask.CompletedTask;
}

/// <summary>
/// A group commit writes many tasks' rows and event-log rows at once, in fewer statements than rows: every row must land
/// column for column, the log in the order its writes gave it (a write's events one after another), and only for the
/// writes that won their compare-and-set.
/// </summary>
public abstract class GroupCommitTests(TempDatabase database) : IAsyncLifetime, IAsyncDisposable
{
    private SqlTaskStore _store = null!;

    protected TempDatabase Database { get; } = database;

    /// <summary>The store commits several groups at once (PostgreSQL: <c>StorageOptions.PostgresCommitWriters</c>).</summary>
    protected virtual bool ConcurrentWriters => false;

    private protected abstract Task<SqlTaskStore> OpenStoreAsync();

    protected abstract ValueTask CloseAsync();

    public async Task InitializeAsync() => _store = await OpenStoreAsync();

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    public async ValueTask DisposeAsync()
    {
        await _store.DisposeAsync();
        await CloseAsync();
        await Database.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>A task's log rows in order, integers as <c>long</c> whichever the database returns.</summary>
    private async Task<IReadOnlyList<object?[]>> LogOf(string id) =>
        (await Database.RowsAsync(
            "SELECT kind, subject, queue, type, attempt, at, detail, silo, action, seq FROM omni_event_log WHERE subject = @id ORDER BY seq", ("@id", id)))
        .Select(row => row.Select(v => v is int i ? (long)i : v).ToArray()).ToList();

    [Fact]
    public async Task Events_of_concurrent_writes_land_column_for_column_in_their_order()
    {
        var tasks = Enumerable.Range(0, 200).Select(i => NewTask($"t-{i:D3}")).ToList();
        var detail = new string('é', 2500) + "✓";
        // 200 writes at once share group commits, so a commit's log rows go in one statement (PostgreSQL's arrays) or a few
        // (SQLite's multi-row inserts, in chunks of 64, 32, … 1 rows).
        var versions = await Task.WhenAll(tasks.Select(t => _store.SaveAsync(t,
        [
            Event(t.Id, "enqueued", 0),
            Event(t.Id, "executing", 1) with { Queue = null, Detail = detail, Silo = "silo-a", Action = null, At = Now.AddMilliseconds(7) },
            Event(t.Id, "complete", 1) with { Kind = LifecycleKind.Schedule, Detail = "", Silo = null },
        ])));

        Assert.All(versions, v => Assert.Equal(1L, v));
        foreach (var t in tasks)
        {
            var rows = await LogOf(t.Id);
            Assert.Equal(3, rows.Count);
            Assert.Equal(["task", t.Id, "emails", "enqueued", 0L, Now.ToUnixTimeMilliseconds(), null, null, "send-message"], rows[0][..9]);
            Assert.Equal(["task", t.Id, null, "executing", 1L, Now.AddMilliseconds(7).ToUnixTimeMilliseconds(), detail[..2000], "silo-a", null], rows[1][..9]);
            Assert.Equal(["schedule", t.Id, "emails", "complete", 1L, Now.ToUnixTimeMilliseconds(), "", null, "send-message"], rows[2][..9]);
            // A write's events keep their order in the log, whatever chunk of its group's statement(s) they fell in. With one
            // writer (SQLite) they follow each other; PostgreSQL's two writers draw from the sequence side by side, so another
            // commit's rows may fall between them (the event-log tail waits on such gaps: EventLogTail).
            var seqs = rows.Select(r => (long)r[9]!).ToList();
            Assert.True(seqs[0] < seqs[1] && seqs[1] < seqs[2], $"{t.Id}: {string.Join(", ", seqs)}");
            if (!ConcurrentWriters)
            {
                Assert.Equal([seqs[0] + 1, seqs[0] + 2], seqs.Skip(1));
            }
        }
        Assert.Equal(600L, await Database.ScalarAsync("SELECT COUNT(*) FROM omni_event_log"));
    }

    [Fact]
    public async Task Rows_written_in_groups_read_back_column_for_column_and_stale_writes_change_nothing()
    {
        var tasks = Enumerable.Range(0, 120).Select(i => NewTask($"t-row-{i:D3}") with { Priority = i, Partition = i % 4 }).ToList();
        // Concurrent writes share group commits: their inserts go as one statement, their updates as another.
        var v1 = await Task.WhenAll(tasks.Select(t => _store.SaveAsync(t, [Event(t.Id, "enqueued", 0)])));
        Assert.All(v1, v => Assert.Equal(1L, v));

        var done = tasks.Select((t, i) => t with
        {
            Version = 1,
            Status = i % 2 == 0 ? TaskStatus.Succeeded : TaskStatus.Retrying,
            Attempt = 1,
            DueAt = i % 2 == 0 ? null : Now.AddSeconds(i),
            StartedAt = Now.AddSeconds(1),
            FinishedAt = i % 2 == 0 ? Now.AddSeconds(2) : null,
            UpdatedAt = Now.AddSeconds(2),
            LeaseOwner = i % 3 == 0 ? "silo-b" : null,
            LeaseExpiresAt = i % 3 == 0 ? Now.AddSeconds(30) : null,
            Result = i % 2 == 0 ? $$"""{"n":{{i}},"text":"ü"}""" : null,
            ResultExpiresAt = i % 2 == 0 ? Now.AddHours(2) : null,
            LastError = i % 2 == 0 ? null : new TaskError { Type = "System.IO.IOException", Message = "disk " + i, Attempt = 1, At = Now },
            CancelReason = i % 5 == 0 ? "because" : null,
            Dependents = i % 4 == 0 ? ["child-" + i] : [],
            RequiresApproval = i % 7 == 0,
        }).ToList();
        var writes = done.Take(100).Select(t => _store.SaveAsync(t, [Event(t.Id, "complete", 1)])).ToList();
        // Stale updates (another writer already moved these rows) and repeated inserts, beside the others in the same groups.
        var stale = done.Skip(100).Take(10).Select(t => _store.SaveAsync(t with { Version = 7 }, [Event(t.Id, "complete", 1)])).ToList();
        var repeated = tasks.Skip(110).Select(t => _store.SaveAsync(t with { Payload = "{}" }, [Event(t.Id, "enqueued", 0)])).ToList();
        Assert.All(await Task.WhenAll(writes), v => Assert.Equal(2L, v));
        foreach (var refused in stale.Concat(repeated))
        {
            await Assert.ThrowsAsync<ConflictException>(() => refused);
        }

        foreach (var expected in done.Take(100))
        {
            var stored = await _store.GetAsync(expected.Id);
            Assert.NotNull(stored);
            Assert.Equal(expected with { Version = 2 }, stored with
            {
                Retry = expected.Retry, DependsOn = expected.DependsOn, Dependents = expected.Dependents, Approvals = expected.Approvals,
                LastError = expected.LastError,
            });
            Assert.Equal(expected.Retry.NonRetryableErrors, stored.Retry.NonRetryableErrors);
            Assert.Equal(expected.DependsOn, stored.DependsOn);
            Assert.Equal(expected.Dependents, stored.Dependents);
            Assert.Equal(expected.LastError, stored.LastError);
            Assert.Equal(["enqueued", "complete"], (await LogOf(expected.Id)).Select(r => (string)r[3]!));
        }
        foreach (var untouched in tasks.Skip(100))
        {
            var stored = await _store.GetAsync(untouched.Id);
            Assert.Equal((TaskStatus.Queued, 1L, untouched.Payload), (stored!.Status, stored.Version, stored.Payload));
            Assert.Equal(["enqueued"], (await LogOf(untouched.Id)).Select(r => (string)r[3]!));
        }
    }

    [Fact]
    public async Task A_write_that_loses_its_compare_and_set_logs_nothing_while_its_batch_neighbours_log()
    {
        var created = NewTask("t-contested");
        var v1 = await _store.SaveAsync(created, [Event(created.Id, "enqueued", 0)]);
        var others = Enumerable.Range(0, 50).Select(i => NewTask($"t-other-{i}")).ToList();

        // Two writers read v1; one wins. A repeated insert conflicts too. Their neighbours in the same commits log as usual.
        var writes = new List<Task<long>>
        {
            _store.SaveAsync(created with { Version = v1, Status = TaskStatus.Running, Attempt = 1 }, [Event(created.Id, "executing", 1)]),
            _store.SaveAsync(created with { Version = v1, Status = TaskStatus.Cancelled, CancelReason = "stop" }, [Event(created.Id, "cancelled", 0)]),
            _store.SaveAsync(created, [Event(created.Id, "enqueued", 0)]),
        };
        writes.AddRange(others.Select(t => _store.SaveAsync(t, [Event(t.Id, "enqueued", 0)])));
        var outcomes = await Task.WhenAll(writes.Select(async w =>
        {
            try
            {
                await w;
                return true;
            }
            catch (ConflictException)
            {
                return false;
            }
        }));

        Assert.Equal(1, outcomes.Take(2).Count(won => won));
        Assert.False(outcomes[2]);
        Assert.All(outcomes.Skip(3), Assert.True);
        var stored = await _store.GetAsync(created.Id);
        var winner = stored!.Status == TaskStatus.Running ? "executing" : "cancelled";
        Assert.Equal(["enqueued", winner], (await LogOf(created.Id)).Select(r => (string)r[3]!));
        foreach (var t in others)
        {
            Assert.Single(await LogOf(t.Id));
        }
    }
}
