using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using OmniActors.Client;
using Orleans.Configuration;

namespace OmniActors.Bench;

/// <summary>One run's system under test: fresh storage, silo processes on it (each in a CPU quota of its own when
/// <see cref="BenchOptions.SiloCpu"/> is set), Orleans clients and an HTTP client, and read access to the task table
/// for the figures.</summary>
internal sealed class BenchCluster : IAsyncDisposable
{
    public const string ApiKey = "bench-api-key";

    private readonly string runDir;
    private readonly string connectionString;
    private readonly string? pgServer;
    private readonly string? pgDatabase;
    private readonly List<SiloProcess> silos = [];
    private readonly List<IHost> clientHosts = [];
    private readonly List<IOmniClient> clients = [];
    private int nextSilo;
    private int nextClient;
    private int queueConcurrency;
    private int? partitions;

    private BenchCluster(string runDir, string connectionString, string? pgServer, string? pgDatabase, int poolSize)
    {
        this.runDir = runDir;
        this.connectionString = connectionString;
        this.pgServer = pgServer;
        this.pgDatabase = pgDatabase;
        PoolSize = poolSize;
        Http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { Timeout = TimeSpan.FromSeconds(60) };
        Http.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
    }

    /// <summary>The first Orleans client: for calls whose silo does not matter (stats, a single setup call).</summary>
    public IOmniClient Client => clients[0];
    public HttpClient Http { get; }
    public IReadOnlyList<SiloProcess> Silos => silos;
    public bool IsPostgres => pgServer is not null;
    /// <summary>Npgsql <c>Maximum Pool Size</c> of each of a silo's pools (PostgreSQL; 0 on SQLite).</summary>
    public int PoolSize { get; }

    /// <summary>The silos' HTTP base addresses in turn (a round-robin load balancer of sorts).</summary>
    public Uri NextBaseAddress() => silos[Interlocked.Increment(ref nextSilo) % silos.Count].BaseAddress;

    /// <summary>The Orleans clients in turn: with one client per silo, consecutive calls enter the cluster through
    /// consecutive gateways (the intake runs on the gateway's silo), as a load balancer in front of the silos would.</summary>
    public IOmniClient NextClient() => clients[(int)((uint)(Interlocked.Increment(ref nextClient) - 1) % (uint)clients.Count)];

    /// <summary>The shape of the cluster, as extra JSON fields: <c>silos</c>, <c>silo_cpu</c> (each silo's quota, CPUs;
    /// absent without one), <c>pool_size</c> (PostgreSQL), <c>clients</c> (Orleans clients the calls are spread over) and
    /// <c>partitions</c> (per queue, when the bench sets it), <c>queue_concurrency</c> (the silos' queue concurrency).</summary>
    public Dictionary<string, object> Shape()
    {
        var shape = new Dictionary<string, object> { ["silos"] = silos.Count };
        if (silos[0].Quota is { } quota)
        {
            shape["silo_cpu"] = quota.Cpus;
        }
        if (IsPostgres)
        {
            shape["pool_size"] = PoolSize;
        }
        shape["clients"] = clients.Count;
        shape["queue_concurrency"] = queueConcurrency;
        if (partitions is { } p)
        {
            shape["partitions"] = p;
        }
        return shape;
    }

    /// <summary>Puts every silo under its CPU quota, where the quota waits for the measurement (<c>--quota-at measure</c>):
    /// each bench calls it once its warm-up is over, before it reads the CPU it measures.</summary>
    public void EnterQuotas()
    {
        foreach (var silo in silos)
        {
            silo.EnterQuota();
        }
    }

    /// <summary>Starts CPU readings of the silos, PostgreSQL (local only) and the bench itself, for figures over a span of work.</summary>
    public CpuMeter StartCpuMeter() => new(silos, pgDatabase is null ? null
        : PostgresCpu.StartIfLocal(new NpgsqlConnectionStringBuilder(connectionString).Host ?? "", pgDatabase));

    /// <summary>Each silo's counters so far, off its <c>/metrics</c>, with its CPU time read at the same moment.</summary>
    public async Task<IReadOnlyList<SiloCounters>> CountersAsync()
    {
        var counters = new List<SiloCounters>(silos.Count);
        foreach (var silo in silos)
        {
            var text = await Http.GetStringAsync(new Uri(silo.BaseAddress, "metrics"));
            counters.Add(new SiloCounters(
                Sample(text, "omniactors_storage_commits_total", "store=\"tasks\""),
                Sample(text, "omniactors_storage_rows_total", "store=\"tasks\""),
                Sample(text, "dotnet_jit_compilation_time_seconds_total", null),
                silo.CpuTime(),
                Sample(text, "omniactors_storage_commit_time_seconds_total", "store=\"tasks\""),
                System.Diagnostics.Stopwatch.GetTimestamp()));
        }
        return counters;

        static double? Sample(string text, string name, string? label) => text.Split('\n')
            .Where(l => (l.StartsWith(name + "{", StringComparison.Ordinal) || l.StartsWith(name + " ", StringComparison.Ordinal))
                && (label is null || l.Contains(label, StringComparison.Ordinal)))
            .Select(l => (double?)double.Parse(l[(Math.Max(l.LastIndexOf('}'), name.Length) + 1)..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture))
            .FirstOrDefault();
    }

    /// <summary>Starts a run's cluster of <see cref="BenchOptions.SiloCountOf"/>(<paramref name="storage"/>) silos.</summary>
    public static async Task<BenchCluster> StartAsync(BenchOptions options, string storage, string runName)
    {
        var runDir = Path.Combine(options.WorkDir, runName);
        Directory.CreateDirectory(runDir);
        var siloCount = storage == "sqlite" ? 1 : BenchOptions.SiloCountOf(storage);
        BenchCluster cluster;
        if (storage == "sqlite")
        {
            cluster = new BenchCluster(runDir, $"Data Source={Path.Combine(runDir, "omni.db")}", null, null, 0);
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
            // Each silo has two pools (ours and the Orleans providers'): silos x 2 x size stays at 80 or under, leaving
            // room in max_connections 100 for the bench's own reads and the server's reserved connections.
            var poolSize = options.PoolSize ?? Math.Clamp(80 / (2 * siloCount), 1, 20);
            var cs = new NpgsqlConnectionStringBuilder(options.Postgres) { Database = database, MaxPoolSize = poolSize }.ConnectionString;
            cluster = new BenchCluster(runDir, cs, options.Postgres, database, poolSize);
        }
        try
        {
            await cluster.StartSilosAsync(options, siloCount, runName);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    private async Task StartSilosAsync(BenchOptions options, int count, string runName)
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
        partitions = options.Partitions;
        queueConcurrency = options.QueueConcurrency;
        if (partitions is { } p)
        {
            settings["OmniActors:Queues:DefaultPartitions"] = p.ToString(CultureInfo.InvariantCulture);
        }
        foreach (var (key, value) in options.SiloEnv)
        {
            settings[key] = value;
        }
        for (var i = 1; i <= count; i++)
        {
            var quota = options.SiloCpu is { } cpus ? CpuQuota.Create($"omni-bench-{runName}-silo{i}", cpus) : null;
            silos.Add(SiloProcess.Start(options.SiloDll, settings, Path.Combine(runDir, $"silo{i}.log"), quota, enterQuotaLater: !options.QuotaFromStart));
            // The first silo installs the schema; the others join once it is there.
            await silos[^1].WaitReadyAsync(Http, TimeSpan.FromMinutes(3));
        }
        // One Orleans client over ADO.NET clustering connects to every silo's gateway, but it sends all calls to one grain
        // through one gateway (it picks the connection by the target grain's hash), and every enqueue goes to the same
        // grain (the stateless intake, key 0), whose activations live on the silo that received the call. So with
        // several silos, one client pinned to each gateway, used in turn: each silo takes its share of the intake.
        if (count > 1 && options.ClientPerSilo)
        {
            foreach (var silo in silos)
            {
                var gateway = new IPEndPoint(IPAddress.Loopback, silo.GatewayPort);
                await AddClientAsync(o => o.ConfigureClustering = client =>
                {
                    client.Configure<ClusterOptions>(c =>
                    {
                        c.ClusterId = o.ClusterId;
                        c.ServiceId = o.ServiceId;
                    });
                    client.UseStaticClustering(gateway);
                });
            }
        }
        else
        {
            await AddClientAsync(o =>
            {
                o.GatewayPort = silos[0].GatewayPort;
                o.PostgresConnectionString = IsPostgres ? connectionString : null;
            });
        }
    }

    private async Task AddClientAsync(Action<OmniClientOptions> configure)
    {
        var builder = Host.CreateApplicationBuilder();
        // Overload shows as failed calls and latency figures; the per-call timeout warnings would only flood the output.
        builder.Logging.SetMinimumLevel(LogLevel.Error);
        // Not the console lifetime: it would take Ctrl-C and SIGTERM for itself (cancel the signal, stop only this client)
        // and the bench would carry on; the bench's own handler kills the silos and the process ends.
        builder.Services.AddSingleton<IHostLifetime, SignalFreeLifetime>();
        builder.Services.AddOmniActorsClient(o =>
        {
            o.ClusterId = "bench";
            o.ServiceId = "bench";
            configure(o);
        });
        var host = builder.Build();
        clientHosts.Add(host);
        await host.StartAsync();
        clients.Add(host.Services.GetRequiredService<IOmniClient>());
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

    /// <summary>Activations of <paramref name="grainClass"/> (full name) on each silo, in silo order, from the Orleans
    /// dashboard's <c>simpleGrainStats</c>; null when it does not answer.</summary>
    public async Task<int[]?> ActivationsPerSiloAsync(string grainClass)
    {
        try
        {
            using var counters = JsonDocument.Parse(await Http.GetStringAsync(new Uri(silos[0].BaseAddress, "orleans/DashboardCounters")));
            var perSilo = new int[silos.Count];
            foreach (var stat in counters.RootElement.GetProperty("simpleGrainStats").EnumerateArray())
            {
                if (stat.GetProperty("grainType").GetString() != grainClass)
                {
                    continue;
                }
                // "127.0.0.1:33401@155409419": the silo port says which of our processes it is.
                var address = stat.GetProperty("siloAddress").GetString() ?? "";
                var port = int.Parse(address.AsSpan(address.IndexOf(':', StringComparison.Ordinal) + 1, address.IndexOf('@', StringComparison.Ordinal) - address.IndexOf(':', StringComparison.Ordinal) - 1), CultureInfo.InvariantCulture);
                var index = silos.FindIndex(s => s.SiloPort == port);
                if (index >= 0)
                {
                    perSilo[index] += stat.GetProperty("activationCount").GetInt32();
                }
            }
            return perSilo;
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or KeyNotFoundException or InvalidOperationException or FormatException or TaskCanceledException)
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

    /// <summary>Tasks of <paramref name="queue"/> in <paramref name="status"/> (created at or after <paramref name="since"/>,
    /// Unix milliseconds as the silos stamp <c>created_at</c>).</summary>
    public async Task<long> CountAsync(string queue, string status, long since = 0)
    {
        await using var connection = await OpenAsync();
        await using var cmd = Command(connection, "SELECT COUNT(*) FROM omni_tasks WHERE queue = @q AND status = @s AND created_at >= @since",
            ("@q", queue), ("@s", status), ("@since", since));
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    /// <summary>Waits until <paramref name="count"/> tasks of the queue (created at or after <paramref name="since"/>)
    /// succeeded; throws if time runs out.</summary>
    public async Task WaitSucceededAsync(string queue, long count, TimeSpan timeout, long since = 0)
    {
        var deadline = DateTime.UtcNow + timeout;
        // Each count reads the queue's finished rows on the server under test, and its CPU is counted as the server's. Wait
        // half the time the last progress says is left (50 ms to 2 s): a dozen counts a run instead of five a second, and
        // the end still seen within ~50 ms (the rates come from the rows' own timestamps, not from when the bench noticed).
        // It measured a few per cent of PostgreSQL's CPU a task at most (bench/README).
        var wait = TimeSpan.FromMilliseconds(200);
        var last = (Done: -1L, At: Stopwatch.GetTimestamp());
        while (true)
        {
            var done = await CountAsync(queue, "succeeded", since);
            var at = Stopwatch.GetTimestamp();
            if (done >= count)
            {
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{done} of {count} tasks of {queue} succeeded within {timeout}.");
            }
            if (last.Done >= 0 && done > last.Done)
            {
                var perSecond = (done - last.Done) / Stopwatch.GetElapsedTime(last.At, at).TotalSeconds;
                wait = TimeSpan.FromSeconds(Math.Clamp((count - done) / perSecond / 2, 0.05, 2.0));
            }
            last = (done, at);
            await Task.Delay(wait);
        }
    }

    /// <summary>created/started/finished (Unix ms, silo clock) of every task of <paramref name="queue"/>.</summary>
    public async Task<List<(string Id, long Created, long Started, long Finished)>> TimesAsync(string queue, long since = 0)
    {
        var rows = new List<(string, long, long, long)>();
        await using var connection = await OpenAsync();
        await using var cmd = Command(connection,
            "SELECT id, created_at, started_at, finished_at FROM omni_tasks WHERE queue = @q AND status = 'succeeded' AND created_at >= @since",
            ("@q", queue), ("@since", since));
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
        // The clients stop together: each may wait out its timeout for silos that are gone.
        await Step(() => Task.WhenAll(clientHosts.Select(async host =>
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
        })));
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

/// <summary>A host lifetime that leaves process signals alone (see <see cref="SiloProcess"/> for who handles them).</summary>
internal sealed class SignalFreeLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
