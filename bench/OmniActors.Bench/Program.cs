using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using OmniActors.Client;
using OmniActors.Hosting;
using OmniActors.Tasks;

// Throughput of N noop tasks: enqueued through the client in batches, then processed with the queue's concurrency.
// Modes: "sqlite" (an in-process silo on a fresh SQLite file), "pg" (an in-process silo on PostgreSQL), or
// "external" (a client of silos already running on PostgreSQL, e.g. started by bench/run.sh).
// Figures come from the task rows themselves (created, started, finished), printed as JSON lines.
var options = Args.Parse(args);
var n = options.Int("n", 20_000);
var concurrency = options.Int("concurrency", 64);
var mode = options.Str("mode", "sqlite");
var label = options.Str("label", mode);
var queue = "bench-" + Guid.NewGuid().ToString("N")[..8];

string? dir = null;
IHost? host = null;
Func<DbConnection> open;
IOmniClient omni;
if (mode == "external")
{
    var pg = options.Str("pg", "");
    var builder = Host.CreateApplicationBuilder();
    builder.Logging.SetMinimumLevel(LogLevel.Warning);
    builder.Services.AddOmniActorsClient(o => o.PostgresConnectionString = pg);
    host = builder.Build();
    await host.StartAsync();
    omni = host.Services.GetRequiredService<IOmniClient>();
    open = () => new NpgsqlConnection(pg);
}
else
{
    var settings = new Dictionary<string, string?>
    {
        ["OmniActors:Queues:DefaultConcurrency"] = concurrency.ToString(CultureInfo.InvariantCulture),
        ["OmniActors:Storage:SqliteSynchronousFull"] = options.Str("sync-full", "true"),
    };
    if (mode == "pg")
    {
        settings["OmniActors:Storage:Provider"] = "PostgreSql";
        settings["OmniActors:Storage:ConnectionString"] = options.Str("pg", "");
        open = () => new NpgsqlConnection(options.Str("pg", ""));
    }
    else
    {
        dir = Path.Combine(Path.GetTempPath(), "omni-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var db = Path.Combine(dir, "omni.db");
        settings["OmniActors:Storage:SqlitePath"] = db;
        open = () => new SqliteConnection($"Data Source={db}");
    }
    var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
    var builder = Host.CreateApplicationBuilder();
    builder.Logging.SetMinimumLevel(LogLevel.Warning);
    builder.UseOrleans(silo =>
    {
        silo.UseLocalhostClustering(siloPort: 21111, gatewayPort: 40000);
        silo.AddOmniActors(configuration);
    });
    host = builder.Build();
    await host.StartAsync();
    omni = new OmniClient(host.Services.GetRequiredService<IGrainFactory>());
}

var pace = options.Int("pace", 0);
var sw = Stopwatch.StartNew();
var refused = 0;
var callLatencies = new List<double>();
if (pace > 0)
{
    // Latency run: one task at a time at a paced rate into idle workers (no backlog), timing each enqueue call.
    var interval = TimeSpan.FromSeconds(1.0 / pace);
    for (var i = 0; i < n; i++)
    {
        var due = interval * i;
        if (sw.Elapsed < due)
        {
            await Task.Delay(due - sw.Elapsed);
        }
        var call = Stopwatch.StartNew();
        await omni.EnqueueAsync(new TaskSpec { Action = "noop", Queue = queue });
        callLatencies.Add(call.Elapsed.TotalMilliseconds);
    }
}
else
{
    var batches = Enumerable.Range(0, n).Chunk(1000).Select(chunk =>
        omni.EnqueueBatchAsync(chunk.Select(_ => new TaskSpec { Action = "noop", Queue = queue }).ToList()));
    var results = await Task.WhenAll(batches);
    refused = results.SelectMany(r => r).Count(r => r.Result is null);
}
var enqueueSeconds = sw.Elapsed.TotalSeconds;

await using var connection = open();
await connection.OpenAsync();
async Task<long> Scalar(string sql)
{
    await using var cmd = connection.CreateCommand();
    cmd.CommandText = sql;
    var p = cmd.CreateParameter();
    p.ParameterName = "@q";
    p.Value = queue;
    cmd.Parameters.Add(p);
    return Convert.ToInt64(await cmd.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
}
var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(10);
while (await Scalar("SELECT COUNT(*) FROM omni_tasks WHERE queue = @q AND status = 'succeeded'") < n - refused)
{
    if (DateTime.UtcNow > deadline)
    {
        throw new TimeoutException("The tasks did not finish within 10 minutes.");
    }
    await Task.Delay(100);
}

var latencies = new List<double>(n);
long firstCreated = long.MaxValue, lastFinished = 0;
await using (var cmd = connection.CreateCommand())
{
    cmd.CommandText = "SELECT created_at, started_at, finished_at FROM omni_tasks WHERE queue = @q";
    var p = cmd.CreateParameter();
    p.ParameterName = "@q";
    p.Value = queue;
    cmd.Parameters.Add(p);
    await using var reader = await cmd.ExecuteReaderAsync();
    while (await reader.ReadAsync())
    {
        var created = reader.GetInt64(0);
        latencies.Add(reader.GetInt64(1) - created);
        firstCreated = Math.Min(firstCreated, created);
        lastFinished = Math.Max(lastFinished, reader.GetInt64(2));
    }
}
latencies.Sort();
callLatencies.Sort();
static double P(List<double> sorted, double q) => sorted[(int)Math.Clamp(Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)];
var benchName = pace > 0 ? $"latency@{pace}/s" : "throughput";
void Emit(string metric, double value, string unit) => Console.WriteLine(JsonSerializer.Serialize(new
{
    bench = benchName, storage = label, metric, value = Math.Round(value, 2), unit, n, concurrency,
}));
if (pace > 0)
{
    foreach (var (name, q) in new[] { ("p50", 0.50), ("p95", 0.95), ("p99", 0.99), ("max", 1.0) })
    {
        Emit($"enqueue_call_{name}", P(callLatencies, q), "ms");
        Emit($"enqueue_to_start_{name}", P(latencies, q), "ms");
    }
}
else
{
    Emit("enqueue_rate", n / enqueueSeconds, "tasks/s");
    Emit("processed_rate", n / ((lastFinished - firstCreated) / 1000.0), "tasks/s");
    Emit("enqueue_to_start_p50", P(latencies, 0.50), "ms");
    Emit("enqueue_to_start_p99", P(latencies, 0.99), "ms");
    Emit("refused", refused, "tasks");
}

await host.StopAsync();
host.Dispose();
if (dir is not null)
{
    SqliteConnection.ClearAllPools();
    Directory.Delete(dir, recursive: true);
}

/// <summary>--name value pairs.</summary>
internal sealed class Args(Dictionary<string, string> values)
{
    public static Args Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            values[args[i].TrimStart('-')] = args[i + 1];
        }
        return new Args(values);
    }

    public int Int(string name, int fallback) =>
        values.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public string Str(string name, string fallback) => values.GetValueOrDefault(name, fallback);
}
