using System.Globalization;

namespace OmniActors.Bench;

/// <summary>The command line: <c>--name value</c> pairs and bare <c>--flags</c>.</summary>
internal sealed record BenchOptions
{
    public static readonly string[] DefaultBenches = ["throughput", "concurrent", "latency", "http", "memory", "webhooks"];
    public static readonly string[] AllBenches = [.. DefaultBenches, "scaleout"];

    /// <summary>Storage modes to run: sqlite (one silo process on a SQLite file), pg (one silo on PostgreSQL), pgK (K silo
    /// processes on one database: pg2, pg4, ...).</summary>
    public required IReadOnlyList<string> Storages { get; init; }
    /// <summary>Benches to run, in order.</summary>
    public required IReadOnlyList<string> Benches { get; init; }
    /// <summary>Repetitions of every figure; the median and the spread are printed.</summary>
    public int Runs { get; init; }
    /// <summary>Small sizes for a smoke run.</summary>
    public bool Quick { get; init; }
    /// <summary>Tasks per throughput run; null means 100,000 on SQLite and 50,000 on PostgreSQL (2,000 with --quick).</summary>
    public int? N { get; init; }
    /// <summary>Concurrent single-task callers in the concurrent bench.</summary>
    public int Callers { get; init; }
    /// <summary>Tasks per batch call.</summary>
    public int BatchSize { get; init; }
    /// <summary>Batch calls in flight at once.</summary>
    public int BatchParallel { get; init; }
    /// <summary>The bench queues' cluster-wide concurrency (OmniActors:Queues:DefaultConcurrency of the silos).</summary>
    public int QueueConcurrency { get; init; }
    /// <summary>scaleout only: each silo count's queues get this many slots per silo (64 → 64, 128, 256 at 1, 2, 4 silos), as
    /// each worker brings its own concurrency in BullMQ or Hangfire; null: <see cref="QueueConcurrency"/> at every count.</summary>
    public int? QueueConcurrencyPerSilo { get; init; }
    /// <summary>Paced enqueue rates of the latency benches, tasks per second.</summary>
    public required IReadOnlyList<int> Rates { get; init; }
    /// <summary>How long each paced rate runs.</summary>
    public double LatencySeconds { get; init; }
    /// <summary>Tasks held queued (paused queue) in the memory bench.</summary>
    public int Queued { get; init; }
    /// <summary>Tasks run before the idle RSS is read.</summary>
    public int WarmUp { get; init; }
    /// <summary>Tasks run through the same path before a throughput bench's measured tasks, so the figures describe a warm
    /// silo (the JIT's tiering done), as a silo in service is; 0 measures from a cold start.</summary>
    public int ThroughputWarmUp { get; init; }
    /// <summary>Warm-up rounds go on until the JIT took at most this share (percent) of the busiest silo's CPU in the last
    /// round; 0 runs one round.</summary>
    public double WarmUpJitPercent { get; init; }
    /// <summary>Least time the throughput warm-up spans, seconds (idle when its rounds are done sooner): code that only
    /// timers reach (the dashboard's collection, the activation collector's first minute) is compiled in it, not in the
    /// measurement. 0: as long as the rounds take; null (not given): 0, and 120 in <c>scaleout</c>.</summary>
    public int? WarmUpSeconds { get; init; }
    /// <summary>Wait before each RSS reading, so the silo settles (timers, GC).</summary>
    public TimeSpan Settle { get; init; }
    /// <summary>PostgreSQL server (a user that may create databases); each run gets a fresh database on it.</summary>
    public required string Postgres { get; init; }
    /// <summary>The silo to start: path to OmniActors.Silo.dll (Release).</summary>
    public required string SiloDll { get; init; }
    /// <summary>The results file (JSON lines, appended).</summary>
    public required string OutFile { get; init; }
    /// <summary>Where SQLite files and silo logs go (on disk, not tmpfs, so fsync costs what it costs).</summary>
    public required string WorkDir { get; init; }
    /// <summary>Extra environment of the silo processes (<c>--silo-env "DOTNET_gcServer=0;OmniActors:Runner:MaxConcurrency=512"</c>), to try a setting.</summary>
    public required IReadOnlyDictionary<string, string> SiloEnv { get; init; }
    /// <summary>Paced webhook POSTs per second in the webhooks bench.</summary>
    public int WebhookRate { get; init; }
    /// <summary>How long the paced webhook stream runs.</summary>
    public double WebhookSeconds { get; init; }
    /// <summary>Realistic WhatsApp Cloud and Evolution messages sent each for the per-provider storage figures (PostgreSQL).</summary>
    public int StorageEvents { get; init; }
    /// <summary>Events loaded straight into omni_events for the recent-events queries.</summary>
    public int Events { get; init; }
    /// <summary>Timed calls per kind of query (identity resolutions cached and uncached, event queries by instance, chat, identity).</summary>
    public int Queries { get; init; }
    /// <summary>The longest any wait for tasks to finish may take.</summary>
    public TimeSpan Timeout { get; init; }
    /// <summary>CPUs each silo process may use (a cgroup CFS quota), null for no limit; the scaleout bench defaults to 0.4.</summary>
    public double? SiloCpu { get; init; }
    /// <summary>True: each silo starts inside its CPU quota (<c>--quota-at start</c>); false (the default): it starts, becomes
    /// ready and warms up without one, sized for it (<c>DOTNET_PROCESSOR_COUNT</c>), and enters it when the measurement begins.</summary>
    public bool QuotaFromStart { get; init; }
    /// <summary>The quota of the scaleout bench's silos: --silo-cpu when given (none for no limit), else 0.4.</summary>
    public double? ScaleOutSiloCpu { get; init; }
    /// <summary>Silo counts the scaleout bench runs the throughput workload at (the first is the baseline of the ratios).</summary>
    public required IReadOnlyList<int> SiloCounts { get; init; }
    /// <summary>Npgsql <c>Maximum Pool Size</c> of each silo pool; null means 20, lowered so that silos × 2 pools × size ≤ 80.</summary>
    public int? PoolSize { get; init; }
    /// <summary>With several silos: one Orleans client per silo gateway, calls spread over them in turn (per-silo), or one
    /// client over ADO.NET clustering (shared; it sends every enqueue through one gateway, see bench/README.md).</summary>
    public bool ClientPerSilo { get; init; }
    /// <summary>Partitions per queue (<c>OmniActors:Queues:DefaultPartitions</c> of the silos); null leaves the silos' default
    /// (the scaleout bench sets 16, so 4 silos can each hold several).</summary>
    public int? Partitions { get; init; }

    public int TasksFor(string storage) => N ?? (Quick ? 2_000 : storage == "sqlite" ? 100_000 : 50_000);

    /// <summary>Silo processes of a storage mode: pg is one, pgK is K.</summary>
    public static int SiloCountOf(string storage) =>
        storage.StartsWith("pg", StringComparison.Ordinal) && storage.Length > 2 ? int.Parse(storage.AsSpan(2), CultureInfo.InvariantCulture) : 1;

    private static bool IsStorage(string storage) =>
        storage is "sqlite" or "pg" || (storage.StartsWith("pg", StringComparison.Ordinal) && int.TryParse(storage.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out var k) && k is >= 1 and <= 16);

    public static BenchOptions Parse(string[] args, string repoRoot)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var flags = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"Unexpected argument '{args[i]}'.");
            }
            var name = args[i][2..];
            if (name is "quick" or "help")
            {
                flags.Add(name);
            }
            else if (i + 1 < args.Length)
            {
                values[name] = args[++i];
            }
            else
            {
                throw new ArgumentException($"--{name} needs a value.");
            }
        }
        if (flags.Contains("help"))
        {
            throw new ArgumentException(Usage);
        }
        var known = new HashSet<string>(["storage", "modes", "bench", "runs", "n", "callers", "batch-size", "batch-parallel", "queue-concurrency",
            "rates", "latency-seconds", "queued", "warm-up", "throughput-warm-up", "warm-up-jit", "warm-up-seconds", "settle-seconds", "pg", "silo", "out", "work-dir", "timeout-minutes", "silo-env",
            "webhook-rate", "webhook-seconds", "events", "queries", "storage-events", "silo-cpu", "quota-at", "queue-concurrency-per-silo", "silo-counts", "pool-size", "clients", "partitions"],
            StringComparer.Ordinal);
        if (values.Keys.FirstOrDefault(k => !known.Contains(k)) is { } unknown)
        {
            throw new ArgumentException($"Unknown option --{unknown}.\n{Usage}");
        }
        var quick = flags.Contains("quick");
        string Str(string name, string fallback) => values.GetValueOrDefault(name, fallback);
        int Int(string name, int fallback) => values.TryGetValue(name, out var v) ? int.Parse(v.Replace("_", "", StringComparison.Ordinal), CultureInfo.InvariantCulture) : fallback;
        double Dbl(string name, double fallback) => values.TryGetValue(name, out var v) ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;
        static List<string> List(string text, Func<string, bool> allowed, string known, string what)
        {
            var items = text.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
            if (items.FirstOrDefault(s => !allowed(s)) is { } bad)
            {
                throw new ArgumentException($"Unknown {what} '{bad}' (known: {known}).");
            }
            return items;
        }
        var siloCpu = Str("silo-cpu", "none");
        var quotaAt = Str("quota-at", "measure");
        if (quotaAt is not ("start" or "measure"))
        {
            throw new ArgumentException($"--quota-at is start or measure, not '{quotaAt}'.");
        }
        var clients = Str("clients", "per-silo");
        if (clients is not ("per-silo" or "shared"))
        {
            throw new ArgumentException($"--clients is per-silo or shared, not '{clients}'.");
        }
        var stamp = DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var options = new BenchOptions
        {
            Storages = List(values.GetValueOrDefault("storage") ?? Str("modes", "sqlite,pg,pg2"), IsStorage, "sqlite, pg, pg2, pg4, ... pg16", "storage"),
            Benches = List(Str("bench", string.Join(',', DefaultBenches)), AllBenches.Contains, string.Join(", ", AllBenches), "bench"),
            Runs = Int("runs", quick ? 1 : 3),
            Quick = quick,
            N = values.ContainsKey("n") ? Int("n", 0) : null,
            Callers = Int("callers", 64),
            BatchSize = Int("batch-size", 1_000),
            BatchParallel = Int("batch-parallel", 4),
            QueueConcurrency = Int("queue-concurrency", 64),
            QueueConcurrencyPerSilo = values.ContainsKey("queue-concurrency-per-silo") ? Int("queue-concurrency-per-silo", 0) : null,
            Rates = Str("rates", "200,2000").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(r => int.Parse(r, CultureInfo.InvariantCulture)).ToList(),
            LatencySeconds = Dbl("latency-seconds", quick ? 2 : 10),
            Queued = Int("queued", quick ? 10_000 : 1_000_000),
            WarmUp = Int("warm-up", quick ? 200 : 1_000),
            ThroughputWarmUp = Int("throughput-warm-up", quick ? 500 : 10_000),
            WarmUpJitPercent = Dbl("warm-up-jit", quick ? 0 : 2),
            WarmUpSeconds = values.ContainsKey("warm-up-seconds") ? Int("warm-up-seconds", 0) : null,
            Settle = TimeSpan.FromSeconds(Dbl("settle-seconds", quick ? 2 : 5)),
            Postgres = Str("pg", BenchPostgres.ConnectionString),
            SiloDll = Path.GetFullPath(Str("silo", Path.Combine(repoRoot, "src/Silo/bin/Release/net10.0/OmniActors.Silo.dll"))),
            OutFile = Path.GetFullPath(Str("out", Path.Combine(repoRoot, "bench/results", stamp + ".jsonl"))),
            WorkDir = Path.GetFullPath(Str("work-dir", Path.Combine(Path.GetTempPath(), "omni-bench"))),
            WebhookRate = Int("webhook-rate", 500),
            WebhookSeconds = Dbl("webhook-seconds", quick ? 4 : 20),
            Events = Int("events", quick ? 20_000 : 1_000_000),
            Queries = Int("queries", quick ? 50 : 300),
            StorageEvents = Int("storage-events", quick ? 200 : 2_000),
            Timeout = TimeSpan.FromMinutes(Dbl("timeout-minutes", 30)),
            SiloEnv = Str("silo-env", "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(kv => kv.Split('=', 2))
                .ToDictionary(kv => kv[0], kv => kv.Length == 2 ? kv[1] : throw new ArgumentException($"--silo-env wants KEY=VALUE pairs, got '{kv[0]}'."), StringComparer.Ordinal),
            SiloCpu = siloCpu is "none" or "0" ? null : double.Parse(siloCpu, CultureInfo.InvariantCulture),
            ScaleOutSiloCpu = !values.ContainsKey("silo-cpu") ? 0.4 : siloCpu is "none" or "0" ? null : double.Parse(siloCpu, CultureInfo.InvariantCulture),
            QuotaFromStart = quotaAt == "start",
            SiloCounts = Str("silo-counts", "1,2,4").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToList(),
            PoolSize = values.ContainsKey("pool-size") ? Int("pool-size", 0) : null,
            ClientPerSilo = clients == "per-silo",
            Partitions = values.ContainsKey("partitions") ? Int("partitions", 0) : null,
        };
        if (options.SiloCpu is <= 0 || options.SiloCounts.Count == 0 || options.SiloCounts.Any(c => c is < 1 or > 16) || options.PoolSize is < 1 || options.Partitions is < 1 || options.QueueConcurrencyPerSilo is < 1)
        {
            throw new ArgumentException("--silo-cpu must be positive (or none), --silo-counts between 1 and 16, --pool-size, --partitions and --queue-concurrency-per-silo positive.");
        }
        if (options.Runs < 1 || options.Callers < 1 || options.BatchSize < 1 || options.BatchParallel < 1 || options.Queued < 1
            || options.N is < 1 || options.ThroughputWarmUp < 0 || options.WarmUpJitPercent < 0 || options.WarmUpSeconds is < 0 || options.Rates.Count == 0 || options.Rates.Any(r => r < 1) || options.LatencySeconds <= 0
            || options.WebhookRate < 1 || options.WebhookSeconds <= 0 || options.Events < 1 || options.Queries < 1 || options.StorageEvents < 1)
        {
            throw new ArgumentException("--runs, --n, --callers, --batch-size, --batch-parallel, --queued, --rates, --latency-seconds, --webhook-rate, --webhook-seconds, --events, --queries and --storage-events must be positive.");
        }
        if (!File.Exists(options.SiloDll))
        {
            throw new ArgumentException($"No silo at {options.SiloDll}: build it with `dotnet build -c Release src/Silo` or pass --silo.");
        }
        return options;
    }

    public const string Usage = """
        OmniActors.Bench [--quick] [--storage sqlite,pg,pg2,pg4] [--bench throughput,concurrent,latency,http,memory,webhooks,scaleout] [--runs 3]
          [--n N] [--callers 64] [--batch-size 1000] [--batch-parallel 4] [--queue-concurrency 64]
          [--rates 200,2000] [--latency-seconds 10] [--queued 1000000] [--warm-up 1000] [--throughput-warm-up 10000] [--warm-up-jit 2] [--warm-up-seconds 0] [--settle-seconds 5]
          [--pg CONNSTRING] [--silo path/OmniActors.Silo.dll] [--out file.jsonl] [--work-dir DIR] [--timeout-minutes 30]
          [--silo-env "KEY=VALUE;KEY2=VALUE2"] [--silo-cpu 0.4|none] [--quota-at measure|start] [--pool-size N] [--clients per-silo|shared] [--partitions N]
          [--silo-counts 1,2,4] [--queue-concurrency-per-silo N]   (scaleout: the throughput workload at each count, on PostgreSQL, --silo-cpu 0.4 unless given)
          [--webhook-rate 500] [--webhook-seconds 20] [--events 1000000] [--queries 300] [--storage-events 2000]
        """;
}
