namespace OmniActors.Bench;

/// <summary>Does adding silos add throughput? The throughput workload (N <c>noop</c> tasks enqueued in batches through
/// the Orleans clients) against 1, 2 and 4 PostgreSQL silo processes (<see cref="BenchOptions.SiloCounts"/>), each on a
/// fresh database and each silo in the same CPU quota, so silos cannot borrow each other's cores. Each run goes through
/// every silo count in turn, so drift in the machine's load touches them alike; the ratios are taken within a run.</summary>
internal static class ScaleOutBench
{
    /// <summary>Partitions per queue unless --partitions says otherwise: the product's default, one a silo at 4 silos. With 16
    /// (the default until 2026-12-07) the 64 slots came 4 to a partition, and each silo's commits carried a quarter of the
    /// rows: 4 warm silos at 0.25 CPU did ×1.22 with 16 partitions and ×2.00 with 4.</summary>
    public const int DefaultPartitions = 4;

    /// <summary>Least span of the warm-up unless --warm-up-seconds says otherwise (bench/README, "CPU quotas").</summary>
    public const int DefaultWarmUpSeconds = 120;

    public static async Task<(FigureBook Book, int Failures)> RunAsync(BenchOptions options, string stamp, Action<string> progress)
    {
        // Silos under a small quota: what their timers compile in their first minutes stays out of the measurement.
        var scaled = options with
        {
            SiloCpu = options.ScaleOutSiloCpu,
            Partitions = options.Partitions ?? DefaultPartitions,
            WarmUpSeconds = options.WarmUpSeconds ?? DefaultWarmUpSeconds,
        };
        var baseline = scaled.SiloCounts[0];
        var book = new FigureBook();
        var failures = 0;
        for (var run = 1; run <= options.Runs; run++)
        {
            var rates = new Dictionary<int, double>();
            foreach (var silos in scaled.SiloCounts)
            {
                var storage = $"pg{silos}";
                progress($"scaleout {silos} silo(s) at {(scaled.SiloCpu is { } cpu ? $"{cpu} CPU each" : "no CPU quota")}, run {run}/{options.Runs}");
                try
                {
                    var atCount = options.QueueConcurrencyPerSilo is { } perSilo ? scaled with { QueueConcurrency = perSilo * silos } : scaled;
                    await using var cluster = await BenchCluster.StartAsync(atCount, storage, $"{stamp}-scaleout-{storage}-{run}");
                    foreach (var figure in await Benches.BatchThroughputAsync(cluster, atCount, storage, $"scaleout@{silos}", progress))
                    {
                        book.Add(figure);
                        progress($"  {figure.Bench} {figure.Metric} = {figure.Value:0.###} {figure.Unit}");
                        if (figure.Metric == "processed_rate")
                        {
                            rates[silos] = figure.Value;
                        }
                    }
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    failures++;
                    progress($"scaleout {silos} silo(s) run {run} failed: {ex}");
                }
            }
            if (!rates.TryGetValue(baseline, out var one))
            {
                continue;
            }
            foreach (var (silos, rate) in rates.Where(r => r.Key != baseline))
            {
                var extra = new Dictionary<string, object> { ["silos"] = silos, ["baseline_silos"] = baseline, ["partitions"] = scaled.Partitions };
                if (options.QueueConcurrencyPerSilo is { } perSilo)
                {
                    extra["queue_concurrency_per_silo"] = perSilo;
                }
                if (scaled.SiloCpu is { } cpu)
                {
                    extra["silo_cpu"] = cpu;
                }
                var ratio = new Figure("scaleout", $"scaleout_x{silos}", rate / one, "x", scaled.TasksFor(storage: "pg"), options.BatchParallel, extra);
                book.Add(ratio);
                progress($"  scaleout_x{silos} = {ratio.Value:0.###}");
            }
        }
        return (book, failures);
    }
}
