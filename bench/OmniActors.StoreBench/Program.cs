using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using OmniActors.Bench;
using OmniActors.Lifecycle;
using OmniActors.Storage;
using OmniActors.Storage.Postgres;
using OmniActors.Storage.Sqlite;
using OmniActors.Tasks;
using TaskStatus = OmniActors.Tasks.TaskStatus;

// The task store alone, in process (no silo, no grains, no messages): the writes of a `noop` task as the batch path
// makes them (an insert with its `enqueued` row, in batches of 1,000; then the start with `executing` and the end with
// `complete`), 64 tasks in flight like a queue of 64 slots, against a fresh database with the product's schema and
// settings. The group commit's writers bound the rate, so the rate shows what the store spends a task. Warm-up rounds
// first (the JIT), then the measured ones; one JSON line per measured round.
// SQLite (a fresh file; CPU is the whole process's):
//   dotnet run -c Release --project bench/OmniActors.StoreBench [-- tasks [rounds [slots [full|normal [page_size]]]]]
// PostgreSQL (a fresh database on OMNI_BENCH_POSTGRES; CPU of this process and of a local server's processes apart):
//   dotnet run -c Release --project bench/OmniActors.StoreBench -- pg [tasks [rounds [slots [writers [variant]]]]]
// where variant changes the product's schema to show what a part of it costs the server (PgVariants below).
if (args.Length > 0 && args[0] == "pg")
{
    await PostgresBenchAsync(args[1..]);
    return;
}
var (tasks, rounds, slots) = Shape(args);
// The durability: "full" (the default: synchronous=FULL, the group commit flushing the log), "normal" (synchronous=NORMAL,
// no flush: survives a process crash, not a power cut), to see what the flush costs.
var sync = args.Length > 3 ? args[3] : "full";
var pageSize = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 0;
const int WarmUpRounds = 6;
var folder = Directory.CreateTempSubdirectory("omni-storebench-").FullName;
try
{
    var options = new StorageOptions { SqlitePath = Path.Combine(folder, "omni.db"), SqliteSynchronousFull = sync != "normal" };
    if (pageSize > 0)
    {
        // Fixed by the first table written, before the schema turns the log to WAL (which keeps the size from then on).
        await using var first = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={options.SqlitePath}");
        await first.OpenAsync();
        await using var command = first.CreateCommand();
        command.CommandText = $"PRAGMA page_size = {pageSize}; CREATE TABLE page_size_fixed (x); DROP TABLE page_size_fixed;";
        await command.ExecuteNonQueryAsync();
    }
    await SqliteDatabase.InstallSchemaAsync(options, CancellationToken.None);
    await using var store = new SqliteTaskStore(Options.Create(options), Options.Create(new EventLogOptions()), NullLogger<SqliteTaskStore>.Instance);
    for (var round = 1; round <= WarmUpRounds + rounds; round++)
    {
        var (seconds, cpu, commits, rows) = await RunAsync(store, tasks, slots, startStatus: TaskStatus.Running);
        if (round > WarmUpRounds)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $$"""{"bench":"sqlite_store","round":{{round - WarmUpRounds}},"tasks":{{tasks}},"slots":{{slots}},"tasks_per_s":{{tasks / seconds:F0}},"cpu_us_per_task":{{cpu.TotalMicroseconds / tasks:F1}},"rows_per_commit":{{rows / (double)commits:F1}},"sync":"{{sync}}","page_size":{{pageSize}}}"""));
        }
    }
}
finally
{
    Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    Directory.Delete(folder, recursive: true);
}

static async Task PostgresBenchAsync(string[] args)
{
    var (tasks, rounds, slots) = Shape(args);
    var writers = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : new StorageOptions().PostgresCommitWriters;
    var variant = args.Length > 4 ? args[4] : "product";
    if (!PgVariants.TryGetValue(variant, out var change))
    {
        throw new ArgumentException($"Unknown variant '{variant}'; one of: {string.Join(", ", PgVariants.Keys)}.");
    }
    const int WarmUpRounds = 4;
    var server = BenchPostgres.ConnectionString;
    var database = "omni_storebench_" + Guid.NewGuid().ToString("N")[..12];
    var admin = new NpgsqlConnectionStringBuilder(server) { Database = "postgres", Pooling = false }.ConnectionString;
    await ExecuteAsync(admin, $"CREATE DATABASE {database}");
    try
    {
        var options = new StorageOptions
        {
            Provider = StorageOptions.PostgreSql,
            ConnectionString = new NpgsqlConnectionStringBuilder(server) { Database = database }.ConnectionString,
            PostgresCommitWriters = writers,
        };
        await PostgresSchema.InstallAsync(options.ConnectionString, CancellationToken.None);
        if (change.Sql.Length > 0)
        {
            await ExecuteAsync(options.ConnectionString, change.Sql);
        }
        var pg = PostgresCpu.StartIfLocal(new NpgsqlConnectionStringBuilder(server).Host ?? "", database);
        await using (var source = new PostgresDataSource(Options.Create(options)))
        await using (var store = new PostgresTaskStore(source, Options.Create(options), Options.Create(new EventLogOptions()), NullLogger<PostgresTaskStore>.Instance))
        {
            for (var round = 1; round <= WarmUpRounds + rounds; round++)
            {
                var pg0 = pg?.Elapsed();
                var (seconds, cpu, commits, rows) = await RunAsync(store, tasks, slots, change.StartStatus);
                var server1 = pg?.Elapsed() - pg0;
                if (round > WarmUpRounds)
                {
                    var pgFigures = server1 is { } p
                        ? string.Create(CultureInfo.InvariantCulture, $$""","pg_cpu_us_per_task":{{p.TotalMicroseconds / tasks:F1}},"pg_cpu_cores":{{p.TotalSeconds / seconds:F2}}""")
                        : "";
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $$"""{"bench":"pg_store","variant":"{{variant}}","round":{{round - WarmUpRounds}},"tasks":{{tasks}},"slots":{{slots}},"writers":{{writers}},"tasks_per_s":{{tasks / seconds:F0}},"cpu_us_per_task":{{cpu.TotalMicroseconds / tasks:F1}}{{pgFigures}},"rows_per_commit":{{rows / (double)commits:F1}}}"""));
                }
            }
        }
    }
    finally
    {
        NpgsqlConnection.ClearAllPools();
        await ExecuteAsync(admin, $"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
    }
}

// The arguments both stores share: tasks a round, measured rounds, tasks in flight.
static (int Tasks, int Rounds, int Slots) Shape(string[] args)
{
    int At(int i, int fallback) => args.Length > i ? int.Parse(args[i], CultureInfo.InvariantCulture) : fallback;
    return (At(0, 50_000), At(1, 3), At(2, 64));
}

static async Task ExecuteAsync(string connectionString, string sql)
{
    await using var connection = new NpgsqlConnection(connectionString);
    await connection.OpenAsync();
    await using var command = new NpgsqlCommand(sql, connection);
    await command.ExecuteNonQueryAsync();
}

static async Task<(double Seconds, TimeSpan Cpu, long Commits, long Rows)> RunAsync(SqlTaskStore store, int tasks, int slots, TaskStatus startStatus)
{
    var (commits0, rows0, _) = store.WriteCounters;
    var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
    var watch = Stopwatch.StartNew();
    var now = DateTimeOffset.UtcNow;
    var queued = new List<TaskInfo>(tasks);
    for (var start = 0; start < tasks; start += 1000)
    {
        var batch = Enumerable.Range(start, Math.Min(1000, tasks - start)).Select(_ => NewTask(now)).ToList();
        var versions = await Task.WhenAll(batch.Select(t => store.SaveAsync(t, [Event(t, "enqueued", 0, now)])));
        queued.AddRange(batch.Select((t, i) => t with { Version = versions[i] }));
    }
    var next = -1;
    await Task.WhenAll(Enumerable.Range(0, slots).Select(async _ =>
    {
        int i;
        while ((i = Interlocked.Increment(ref next)) < queued.Count)
        {
            var at = DateTimeOffset.UtcNow;
            var running = queued[i] with { Status = startStatus, Attempt = 1, StartedAt = at, UpdatedAt = at, LeaseOwner = "S127.0.0.1:11111:1", LeaseExpiresAt = at.AddSeconds(30) };
            running = running with { Version = await store.SaveAsync(running, [Event(running, "executing", 1, at)]) };
            var end = DateTimeOffset.UtcNow;
            var done = running with { Status = TaskStatus.Succeeded, FinishedAt = end, UpdatedAt = end, LeaseOwner = null, LeaseExpiresAt = null, ResultExpiresAt = end.AddHours(1) };
            await store.SaveAsync(done, [Event(done, "complete", 1, end)]);
        }
    }));
    watch.Stop();
    var (commits1, rows1, _) = store.WriteCounters;
    return (watch.Elapsed.TotalSeconds, Process.GetCurrentProcess().TotalProcessorTime - cpu0, commits1 - commits0, rows1 - rows0);
}

static TaskInfo NewTask(DateTimeOffset now) => new()
{
    Id = TaskIds.New(),
    Queue = "bench",
    Partition = 0,
    Action = "noop",
    Payload = "{}",
    Status = TaskStatus.Queued,
    Retry = RetryPolicy.Default,
    Timeout = TimeSpan.FromSeconds(30),
    ResultTtl = TimeSpan.FromHours(1),
    CreatedAt = now,
    UpdatedAt = now,
};

static LifecycleEvent Event(TaskInfo t, string type, int attempt, DateTimeOffset at) =>
    new() { Kind = LifecycleKind.Task, Id = t.Id, Queue = t.Queue, Type = type, Attempt = attempt, At = at, Action = t.Action, Silo = "S127.0.0.1:11111:1" };

/// <summary>What-if changes to the product's PostgreSQL schema, each applied after it, to price its parts on the server:
/// the SQL to run, and the status the bench's start writes (a start that keeps the status changes no indexed column, so
/// with room on the page PostgreSQL can make it a HOT update that adds no index entry).</summary>
internal static partial class Program
{
    private static readonly string DropLogIndexes = DropIndexes("ix_omni_event_log_subject", "ix_omni_event_log_queue", "ix_omni_event_log_type", "ix_omni_event_log_at_brin");

    private static readonly string DropTaskIndexes = DropIndexes("ix_omni_tasks_partition_pending", "ix_omni_tasks_queue_status", "ix_omni_tasks_status",
        "ix_omni_tasks_result_expiry", "ix_omni_tasks_workflow");

    private static readonly Dictionary<string, (string Sql, TaskStatus StartStatus)> PgVariants = new(StringComparer.Ordinal)
    {
        ["product"] = ("", TaskStatus.Running),
        ["no-status-index"] = (DropIndexes("ix_omni_tasks_status"), TaskStatus.Running),
        ["no-log-type-index"] = (DropIndexes("ix_omni_event_log_type"), TaskStatus.Running),
        ["no-log-indexes"] = (DropLogIndexes, TaskStatus.Running),
        ["pk-only"] = (DropLogIndexes + DropTaskIndexes, TaskStatus.Running),
        ["hot-start"] = ("ALTER TABLE omni_tasks SET (fillfactor = 70)", TaskStatus.Queued),
        ["no-log"] = ("CREATE OR REPLACE RULE omni_event_log_none AS ON INSERT TO omni_event_log DO INSTEAD NOTHING", TaskStatus.Running),
    };

    private static string DropIndexes(params string[] names) => string.Concat(names.Select(name => $"DROP INDEX {name}; "));
}
