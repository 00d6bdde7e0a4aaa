using System.Data.Common;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using OmniActors.Client;

namespace OmniActors.Bench;

/// <summary>One run's system under test: fresh storage, silo processes on it, an Orleans client and an HTTP client,
/// and read access to the task table for the figures.</summary>
internal sealed class BenchCluster : IAsyncDisposable
{
    public const string ApiKey = "bench-api-key";

    private readonly string runDir;
    private readonly string connectionString;
    private readonly string? pgServer;
    private readonly string? pgDatabase;
    private readonly List<SiloProcess> silos = [];
    private IHost? clientHost;
    private int nextSilo;

    private BenchCluster(string runDir, string connectionString, string? pgServer, string? pgDatabase)
    {
        this.runDir = runDir;
        this.connectionString = connectionString;
        this.pgServer = pgServer;
        this.pgDatabase = pgDatabase;
        Http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { Timeout = TimeSpan.FromSeconds(60) };
        Http.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
    }

    public IOmniClient Client { get; private set; } = null!;
    public HttpClient Http { get; }
    public IReadOnlyList<SiloProcess> Silos => silos;
    public bool IsPostgres => pgServer is not null;

    /// <summary>The silos' HTTP base addresses in turn (a round-robin load balancer of sorts).</summary>
    public Uri NextBaseAddress() => silos[Interlocked.Increment(ref nextSilo) % silos.Count].BaseAddress;

    public static async Task<BenchCluster> StartAsync(BenchOptions options, string storage, string runName)
    {
        var runDir = Path.Combine(options.WorkDir, runName);
        Directory.CreateDirectory(runDir);
        BenchCluster cluster;
        if (storage == "sqlite")
        {
            cluster = new BenchCluster(runDir, $"Data Source={Path.Combine(runDir, "omni.db")}", null, null);
        }
        else
        {
            var database = "omni_bench_" + Guid.NewGuid().ToString("N")[..12];
            await using (var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(options.Postgres) { Database = "postgres", Pooling = false }.ConnectionString))
            {
                await admin.OpenAsync();
                await using var create = new NpgsqlCommand($"CREATE DATABASE {database}", admin);
                await create.ExecuteNonQueryAsync();
            }
            // Each silo has two pools (ours and the Orleans providers'): 2 silos x 2 x 20 stays well under max_connections 100.
            var cs = new NpgsqlConnectionStringBuilder(options.Postgres) { Database = database, MaxPoolSize = 20 }.ConnectionString;
            cluster = new BenchCluster(runDir, cs, options.Postgres, database);
        }
        try
        {
            await cluster.StartSilosAsync(options, storage == "pg2" ? 2 : 1);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    private async Task StartSilosAsync(BenchOptions options, int count)
    {
        var settings = new Dictionary<string, string>
        {
            ["OmniActors:Queues:DefaultConcurrency"] = options.QueueConcurrency.ToString(CultureInfo.InvariantCulture),
            ["OmniActors:Api:RequireApiKey"] = "true",
            ["OmniActors:Api:ApiKeys:0"] = ApiKey,
            ["OmniActors:Cluster:ClusterId"] = "bench",
            ["OmniActors:Cluster:ServiceId"] = "bench",
        };
        if (IsPostgres)
        {
            settings["OmniActors:Storage:Provider"] = "PostgreSql";
            settings["OmniActors:Storage:ConnectionString"] = connectionString;
        }
        else
        {
            settings["OmniActors:Storage:Provider"] = "Sqlite";
            settings["OmniActors:Storage:SqlitePath"] = Path.Combine(runDir, "omni.db");
        }
        foreach (var (key, value) in options.SiloEnv)
        {
            settings[key] = value;
        }
        for (var i = 1; i <= count; i++)
        {
            silos.Add(SiloProcess.Start(options.SiloDll, settings, Path.Combine(runDir, $"silo{i}.log")));
            // The first silo installs the schema; the second joins once it is there.
            await silos[^1].WaitReadyAsync(Http, TimeSpan.FromMinutes(3));
        }
        var builder = Host.CreateApplicationBuilder();
        // Overload shows as failed calls and latency figures; the per-call timeout warnings would only flood the output.
        builder.Logging.SetMinimumLevel(LogLevel.Error);
        builder.Services.AddOmniActorsClient(o =>
        {
            o.ClusterId = "bench";
            o.ServiceId = "bench";
            o.GatewayPort = silos[0].GatewayPort;
            o.PostgresConnectionString = IsPostgres ? connectionString : null;
        });
        clientHost = builder.Build();
        await clientHost.StartAsync();
        Client = clientHost.Services.GetRequiredService<IOmniClient>();
    }

    /// <summary>CPU time used so far by all silo processes together: per task, a figure that contention for the cores
    /// inflates far less than rates and latencies.</summary>
    public TimeSpan SiloCpu() => silos.Aggregate(TimeSpan.Zero, (sum, s) => sum + s.CpuTime());

    /// <summary>The highest RSS of the silo processes (each silo must fit on its own), bytes.</summary>
    public long MaxRssBytes() => silos.Max(s => s.RssBytes());

    /// <summary>The highest peak RSS (VmHWM) of the silo processes, bytes.</summary>
    public long MaxPeakRssBytes() => silos.Max(s => s.PeakRssBytes());

    /// <summary>Grain activations in the cluster, from the Orleans dashboard the silo mounts at <c>/orleans</c>
    /// (<c>DashboardCounters</c>); null when it does not answer.</summary>
    public async Task<long?> ActivationCountAsync()
    {
        try
        {
            using var counters = JsonDocument.Parse(await Http.GetStringAsync(new Uri(silos[0].BaseAddress, "orleans/DashboardCounters")));
            return counters.RootElement.GetProperty("totalActivationCount").GetInt64();
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return null;
        }
    }

    public async Task PauseQueueAsync(string queue) => await PostAsync($"api/queues/{queue}/pause");

    public async Task ResumeQueueAsync(string queue) => await PostAsync($"api/queues/{queue}/resume");

    private async Task PostAsync(string path)
    {
        using var response = await Http.PostAsync(new Uri(silos[0].BaseAddress, path), JsonContent.Create(new { }));
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    /// <summary>Tasks of <paramref name="queue"/> in <paramref name="status"/>.</summary>
    public async Task<long> CountAsync(string queue, string status)
    {
        await using var connection = await OpenAsync();
        await using var cmd = Command(connection, "SELECT COUNT(*) FROM omni_tasks WHERE queue = @q AND status = @s", ("@q", queue), ("@s", status));
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    /// <summary>Waits until <paramref name="count"/> tasks of the queue succeeded; throws if any ended otherwise or time runs out.</summary>
    public async Task WaitSucceededAsync(string queue, long count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        // Counting a million rows is work for the machine under test too: poll less often for big runs.
        var poll = TimeSpan.FromMilliseconds(count > 100_000 ? 2_000 : 200);
        while (true)
        {
            var done = await CountAsync(queue, "succeeded");
            if (done >= count)
            {
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{done} of {count} tasks of {queue} succeeded within {timeout}.");
            }
            await Task.Delay(poll);
        }
    }

    /// <summary>created/started/finished (Unix ms, silo clock) of every task of <paramref name="queue"/>.</summary>
    public async Task<List<(string Id, long Created, long Started, long Finished)>> TimesAsync(string queue)
    {
        var rows = new List<(string, long, long, long)>();
        await using var connection = await OpenAsync();
        await using var cmd = Command(connection, "SELECT id, created_at, started_at, finished_at FROM omni_tasks WHERE queue = @q AND status = 'succeeded'", ("@q", queue));
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3)));
        }
        return rows;
    }

    /// <summary>The last finished_at of the queue (Unix ms).</summary>
    public async Task<long> LastFinishedAsync(string queue)
    {
        await using var connection = await OpenAsync();
        await using var cmd = Command(connection, "SELECT MAX(finished_at) FROM omni_tasks WHERE queue = @q", ("@q", queue));
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    /// <summary>Bytes the task table takes: PostgreSQL <c>pg_total_relation_size('omni_tasks')</c> (heap, indexes, TOAST);
    /// SQLite the whole file's used pages ((page_count − freelist_count) × page_size, read through the WAL, so
    /// committed pages not yet checkpointed count too).</summary>
    public async Task<long> StorageBytesAsync()
    {
        await using var connection = await OpenAsync();
        if (IsPostgres)
        {
            await using var cmd = Command(connection, "SELECT pg_total_relation_size('omni_tasks')");
            return Convert.ToInt64(await cmd.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
        }
        async Task<long> Pragma(string name)
        {
            await using var cmd = Command(connection, $"PRAGMA {name}");
            return Convert.ToInt64(await cmd.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
        }
        return (await Pragma("page_count") - await Pragma("freelist_count")) * await Pragma("page_size");
    }

    private async Task<DbConnection> OpenAsync()
    {
        DbConnection connection = IsPostgres ? new NpgsqlConnection(connectionString) : new SqliteConnection(connectionString + ";Mode=ReadOnly");
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>A read-write connection to the silos' database, for benches that load rows straight into it (bulk setup
    /// the HTTP API would take too long for). SQLite waits up to 60 s for the silo's writes (WAL, one writer at a time).</summary>
    public async Task<DbConnection> OpenWritableAsync()
    {
        DbConnection connection = IsPostgres ? new NpgsqlConnection(connectionString) : new SqliteConnection(connectionString + ";Default Timeout=60");
        await connection.OpenAsync();
        return connection;
    }

    public static DbCommand Command(DbConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var p = cmd.CreateParameter();
            p.ParameterName = name;
            p.Value = value;
            cmd.Parameters.Add(p);
        }
        return cmd;
    }

    /// <summary>Stops everything the run started and deletes its data. Each step runs even if an earlier one failed,
    /// so a failed run still leaves no silo and no database behind.</summary>
    public async ValueTask DisposeAsync()
    {
        var errors = new List<Exception>();
        async Task Step(Func<Task> step)
        {
            try
            {
                await step();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                errors.Add(ex);
            }
        }
        foreach (var silo in silos)
        {
            await Step(async () => await silo.DisposeAsync());
        }
        if (clientHost is { } host)
        {
            await Step(async () =>
            {
                using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                try
                {
                    await host.StopAsync(stop.Token);
                }
                catch (OperationCanceledException)
                {
                    // The silos are gone already; nothing to say goodbye to.
                }
                host.Dispose();
            });
        }
        Http.Dispose();
        if (pgServer is not null)
        {
            await Step(async () =>
            {
                NpgsqlConnection.ClearAllPools();
                await using var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(pgServer) { Database = "postgres", Pooling = false }.ConnectionString);
                await admin.OpenAsync();
                await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {pgDatabase} WITH (FORCE)", admin);
                await drop.ExecuteNonQueryAsync();
            });
        }
        else
        {
            SqliteConnection.ClearAllPools();
        }
        // The data goes; the silo logs stay in the work directory for a look after a failed run.
        await Step(() =>
        {
            foreach (var file in Directory.EnumerateFiles(runDir, "omni.db*"))
            {
                File.Delete(file);
            }
            return Task.CompletedTask;
        });
        if (errors.Count > 0)
        {
            throw new AggregateException($"Cleaning up run {runDir} failed.", errors);
        }
    }
}
