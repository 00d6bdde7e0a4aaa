using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OmniActors.Client;
using OmniActors.Hosting;
using OmniActors.Tasks;

// Quick throughput run: N noop tasks enqueued in batches into one in-process silo on a fresh SQLite file,
// then processed with the queue's concurrency. Prints JSON lines (one per figure).
var n = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20_000;
var concurrency = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 64;
var dir = Path.Combine(Path.GetTempPath(), "omni-bench-" + Guid.NewGuid().ToString("N"));
Directory.CreateDirectory(dir);
var db = Path.Combine(dir, "omni.db");
var settings = new Dictionary<string, string?>
{
    ["OmniActors:Storage:SqlitePath"] = db,
    ["OmniActors:Queues:DefaultConcurrency"] = concurrency.ToString(CultureInfo.InvariantCulture),
    ["OmniActors:Storage:SqliteSynchronousFull"] = Environment.GetEnvironmentVariable("BENCH_SYNC_FULL") ?? "true",
};
var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
var builder = Host.CreateApplicationBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.UseOrleans(silo =>
{
    silo.UseLocalhostClustering(siloPort: 21111, gatewayPort: 40000);
    silo.AddOmniActors(configuration);
});
using var host = builder.Build();
await host.StartAsync();
var omni = new OmniClient(host.Services.GetRequiredService<IGrainFactory>());

var sw = Stopwatch.StartNew();
var batches = Enumerable.Range(0, n).Chunk(1000).Select(chunk =>
    omni.EnqueueBatchAsync(chunk.Select(_ => new TaskSpec { Action = "noop", Queue = "bench" }).ToList()));
var results = await Task.WhenAll(batches);
var enqueueSeconds = sw.Elapsed.TotalSeconds;
var ids = results.SelectMany(r => r).Select(r => r.Result!.Task.Id).ToList();

await using var connection = new SqliteConnection($"Data Source={db}");
await connection.OpenAsync();
long Count(string status)
{
    using var cmd = connection.CreateCommand();
    cmd.CommandText = "SELECT COUNT(*) FROM omni_tasks WHERE status = $s";
    cmd.Parameters.AddWithValue("$s", status);
    return (long)cmd.ExecuteScalar()!;
}
while (Count("succeeded") < n)
{
    await Task.Delay(50);
}
var totalSeconds = sw.Elapsed.TotalSeconds;

var latencies = new List<double>(n);
long firstCreated = long.MaxValue, lastFinished = 0;
using (var cmd = connection.CreateCommand())
{
    cmd.CommandText = "SELECT created_at, started_at, finished_at FROM omni_tasks";
    using var reader = cmd.ExecuteReader();
    while (reader.Read())
    {
        var created = reader.GetInt64(0);
        latencies.Add(reader.GetInt64(1) - created);
        firstCreated = Math.Min(firstCreated, created);
        lastFinished = Math.Max(lastFinished, reader.GetInt64(2));
    }
}
latencies.Sort();
double P(double q) => latencies[(int)Math.Min(latencies.Count - 1, Math.Ceiling(q * latencies.Count) - 1)];
void Emit(string metric, double value, string unit) => Console.WriteLine(JsonSerializer.Serialize(new
{
    bench = "quick-throughput", storage = "sqlite", metric, value = Math.Round(value, 2), unit, n, concurrency,
}));
Emit("enqueue_rate", n / enqueueSeconds, "tasks/s");
Emit("processed_rate", n / totalSeconds, "tasks/s");
Emit("enqueue_to_start_p50", P(0.50), "ms");
Emit("enqueue_to_start_p99", P(0.99), "ms");
Emit("stored_tasks", ids.Count, "tasks");
await host.StopAsync();
SqliteConnection.ClearAllPools();
Directory.Delete(dir, recursive: true);
