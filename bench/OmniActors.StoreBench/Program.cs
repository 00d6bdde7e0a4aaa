using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OmniActors.Lifecycle;
using OmniActors.Storage;
using OmniActors.Storage.Sqlite;
using OmniActors.Tasks;
using TaskStatus = OmniActors.Tasks.TaskStatus;

// The SQLite task store alone, in process (no silo, no grains, no messages): the writes of a `noop` task as the batch
// path makes them (an insert with its `enqueued` row, in batches of 1,000; then the start with `executing` and the
// end with `complete`), 64 tasks in flight like a queue of 64 slots, against a fresh file with the product's schema and
// settings. The group commit's single writer bounds the rate, so the rate shows what the writer spends a task; CPU is
// the whole process's. Warm-up rounds first (the JIT), then the measured ones; one JSON line per measured round.
// Run: dotnet run -c Release --project bench/OmniActors.StoreBench [-- tasks [rounds [slots [full|normal]]]]
var tasks = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 50_000;
var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
var slots = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 64;
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
        var (seconds, cpu, commits, rows) = await RunAsync(store, tasks, slots);
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

static async Task<(double Seconds, TimeSpan Cpu, long Commits, long Rows)> RunAsync(SqliteTaskStore store, int tasks, int slots)
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
            var running = queued[i] with { Status = TaskStatus.Running, Attempt = 1, StartedAt = at, UpdatedAt = at, LeaseOwner = "S127.0.0.1:11111:1", LeaseExpiresAt = at.AddSeconds(30) };
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
