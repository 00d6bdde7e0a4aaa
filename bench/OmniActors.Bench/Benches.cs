using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using OmniActors.Tasks;

namespace OmniActors.Bench;

/// <summary>The measurements. Each runs against a fresh <see cref="BenchCluster"/> and returns its figures.</summary>
internal static class Benches
{
    private const double MiB = 1024 * 1024;

    public static Task<List<Figure>> RunAsync(string bench, BenchCluster cluster, BenchOptions options, string storage, Action<string> progress) => bench switch
    {
        "throughput" => BatchThroughputAsync(cluster, options, storage, progress: progress),
        "concurrent" => ConcurrentThroughputAsync(cluster, options, storage, progress),
        "latency" => PacedLatencyAsync(cluster, options, overHttp: false, progress),
        "http" => PacedLatencyAsync(cluster, options, overHttp: true, progress),
        "memory" => MemoryAsync(cluster, options, progress),
        "webhooks" => WebhookBench.RunAsync(cluster, options, progress),
        _ => throw new ArgumentOutOfRangeException(nameof(bench), bench, "unknown bench"),
    };

    private static string NewQueue(string kind) => $"bench-{kind}-{Guid.NewGuid().ToString("N")[..8]}";

    private static TaskSpec Noop(string queue) => new() { Action = "noop", Queue = queue };

    /// <summary>N tasks enqueued in batches through the Orleans client into a running queue, then processed.</summary>
    internal static async Task<List<Figure>> BatchThroughputAsync(BenchCluster cluster, BenchOptions options, string storage, string bench = "throughput",
        Action<string>? progress = null)
    {
        var n = options.TasksFor(storage);
        var queue = NewQueue("batch");
        var warmed = await WarmUpAsync(cluster, options, queue, (warm, count) => EnqueueBatchesAsync(cluster, options, warm, count), progress);
        var start = await StartMeasuringAsync(cluster);
        var (refused, enqueueSeconds) = await EnqueueBatchesAsync(cluster, options, queue, n);
        var extra = new Dictionary<string, object> { ["batch_size"] = options.BatchSize, ["warm_up"] = warmed };
        return await ProcessedFiguresAsync(cluster, options, bench, queue, start, n, n - refused, enqueueSeconds, options.BatchParallel, extra);
    }

    /// <summary>Where a throughput measurement begins: the silos' counters and CPU readings then, and the time from which
    /// the queue's tasks count as measured (Unix ms, as the silos stamp <c>created_at</c>).</summary>
    private sealed record MeasureStart(IReadOnlyList<SiloCounters> Before, CpuMeter Cpu, long Since);

    /// <summary>Puts the silos under their quotas (<c>--quota-at measure</c>) and takes the readings a measurement starts from.</summary>
    private static async Task<MeasureStart> StartMeasuringAsync(BenchCluster cluster)
    {
        cluster.EnterQuotas();
        var before = await cluster.CountersAsync();
        return new MeasureStart(before, cluster.StartCpuMeter(), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
    }

    /// <summary>
    /// Runs rounds of <see cref="BenchOptions.ThroughputWarmUp"/> tasks through <paramref name="enqueue"/> (into
    /// <paramref name="queue"/>, the queue the measurement then uses and counts only the tasks created after) until the JIT
    /// has settled: its time in each of the last two rounds at most <see cref="BenchOptions.WarmUpJitPercent"/> of the
    /// busiest silo's CPU (one round when that is 0, or when the silos do not export the JIT's time), at most
    /// <see cref="MaxWarmUpRounds"/>; then, if it took less than <see cref="BenchOptions.WarmUpSeconds"/>, it idles for the
    /// rest and runs rounds until two are quiet again. So the measured tasks meet code tiered up as in a silo in service: under a small CPU
    /// quota a silo tiers its code up for minutes, and a fixed warm-up measured the JIT more than the queue. Returns the
    /// tasks run.
    /// </summary>
    private static async Task<int> WarmUpAsync(BenchCluster cluster, BenchOptions options, string queue, Func<string, int, Task> enqueue, Action<string>? progress)
    {
        if (options.ThroughputWarmUp <= 0)
        {
            return 0;
        }
        // Every round goes into the queue the measurement then uses: a queue each left their partitions active (idle, but
        // each with its timer and gauges), and a fresh queue for the measurement had its grains activated, and the code
        // of that compiled on silos that had not run it yet, inside the measurement (~960 compilations on one of two
        // silos at 0.1 CPU, 2026-12-07); a queue in service has its grains active.
        var before = await cluster.CountersAsync();
        var quiet = 0;
        var span = Stopwatch.StartNew();
        var waited = false;
        for (var round = 1; ; round++)
        {
            await enqueue(queue, options.ThroughputWarmUp);
            await cluster.WaitSucceededAsync(queue, (long)round * options.ThroughputWarmUp, options.Timeout);
            if (options.WarmUpJitPercent <= 0)
            {
                return options.ThroughputWarmUp;
            }
            var after = await cluster.CountersAsync();
            var share = SiloCounters.JitShare(before, after, busiest: true);
            progress?.Invoke($"  warm-up round {round}: {options.ThroughputWarmUp} tasks, JIT {(share is { } s ? $"{s:0.0} %" : "not exported")} of the busiest silo's CPU");
            // Two quiet rounds in a row: under a small quota one round can fall quiet while the tier-up queue still holds work.
            quiet = share is { } q && q <= options.WarmUpJitPercent ? quiet + 1 : 0;
            if (share is null || quiet == 2 || round >= MaxWarmUpRounds)
            {
                var rest = TimeSpan.FromSeconds(options.WarmUpSeconds ?? 0) - span.Elapsed;
                if (waited || rest <= TimeSpan.Zero || share is null)
                {
                    return round * options.ThroughputWarmUp;
                }
                // Idle out the rest of --warm-up-seconds, then two more quiet rounds: what the timers compiled meanwhile
                // shows in the JIT's time of the rounds after.
                progress?.Invoke($"  warm-up: waiting {rest.TotalSeconds:0} s more (--warm-up-seconds {options.WarmUpSeconds})");
                await Task.Delay(rest);
                waited = true;
                quiet = 0;
                after = await cluster.CountersAsync();
            }
            before = after;
        }
    }

    /// <summary>The most warm-up rounds <see cref="WarmUpAsync"/> runs before it measures anyway.</summary>
    private const int MaxWarmUpRounds = 40;

    private static async Task<(int Refused, double Seconds)> EnqueueBatchesAsync(BenchCluster cluster, BenchOptions options, string queue, int n)
    {
        var refused = 0;
        var sw = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, n).Chunk(options.BatchSize), new ParallelOptions { MaxDegreeOfParallelism = options.BatchParallel },
            async (chunk, ct) =>
            {
                var results = await cluster.NextClient().EnqueueBatchAsync(chunk.Select(_ => Noop(queue)).ToList(), ct);
                Interlocked.Add(ref refused, results.Count(r => r.Result is null));
            });
        return (refused, sw.Elapsed.TotalSeconds);
    }

    /// <summary>N tasks enqueued one at a time by <see cref="BenchOptions.Callers"/> concurrent callers, then processed.</summary>
    private static async Task<List<Figure>> ConcurrentThroughputAsync(BenchCluster cluster, BenchOptions options, string storage, Action<string> progress)
    {
        var n = options.TasksFor(storage);
        var queue = NewQueue("single");
        var warmed = await WarmUpAsync(cluster, options, queue, (warm, count) => EnqueueSinglesAsync(cluster, options, warm, new double[count]), progress);
        var calls = new double[n];
        var start = await StartMeasuringAsync(cluster);
        var sw = Stopwatch.StartNew();
        await EnqueueSinglesAsync(cluster, options, queue, calls);
        var enqueueSeconds = sw.Elapsed.TotalSeconds;
        var figures = await ProcessedFiguresAsync(cluster, options, "throughput_single", queue, start, n, n, enqueueSeconds, options.Callers,
            new Dictionary<string, object> { ["warm_up"] = warmed });
        figures.AddRange(Stats.Percentiles("throughput_single", "enqueue_call", [.. calls], "ms", n, options.Callers).Where(f => f.Metric is "enqueue_call_p50" or "enqueue_call_p99"));
        return figures;
    }

    /// <summary>One task per call by <see cref="BenchOptions.Callers"/> concurrent callers, as many as <paramref name="calls"/>
    /// holds; each call's duration (ms) goes into it.</summary>
    private static Task EnqueueSinglesAsync(BenchCluster cluster, BenchOptions options, string queue, double[] calls)
    {
        var next = -1;
        return Task.WhenAll(Enumerable.Range(0, options.Callers).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < calls.Length)
            {
                var start = Stopwatch.GetTimestamp();
                await cluster.NextClient().EnqueueAsync(Noop(queue));
                calls[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
        }));
    }

    /// <summary>Waits for the queue's tasks created since <paramref name="start"/> (the measured ones; the warm-up's went
    /// before) to drain and turns their rows' timestamps into rates: processed is tasks over first created_at to last
    /// finished_at (enqueue and processing overlap, as they do in use). CPU figures cover the enqueues and the drain (see
    /// <see cref="CpuMeter"/>); the cluster's shape goes into every line.</summary>
    private static async Task<List<Figure>> ProcessedFiguresAsync(BenchCluster cluster, BenchOptions options, string bench, string queue, MeasureStart start,
        int n, int accepted, double enqueueSeconds, int concurrency, Dictionary<string, object>? extra = null)
    {
        await cluster.WaitSucceededAsync(queue, accepted, options.Timeout, start.Since);
        var shape = cluster.Shape();
        foreach (var (key, value) in extra ?? [])
        {
            shape[key] = value;
        }
        var cpuFigures = start.Cpu.Figures(bench, n, accepted, concurrency, shape);
        var times = await cluster.TimesAsync(queue, start.Since);
        var span = (times.Max(t => t.Finished) - times.Min(t => t.Created)) / 1000.0;
        List<Figure> figures =
        [
            new(bench, "enqueue_rate", n / enqueueSeconds, "tasks/s", n, concurrency, shape),
            new(bench, "processed_rate", times.Count / Math.Max(span, 0.001), "tasks/s", n, concurrency, shape),
            new(bench, "refused", n - accepted, "tasks", n, concurrency, shape),
            .. cpuFigures,
        ];
        var after = await cluster.CountersAsync();
        if (SiloCounters.JitShare(start.Before, after, busiest: false) is { } jit)
        {
            // Whether the figures describe warm silos: the JIT's time over the silos' CPU while the measured tasks ran.
            figures.Add(new(bench, "jit_cpu_share", jit, "%", n, concurrency, shape));
        }
        if (SiloCounters.CommitsBetween(start.Before, after) is var (commits, rows))
        {
            // How much each task-store commit was shared: the mean group size, and commits per task (1/3 of a commit per
            // task would be a commit for each of its three writes).
            figures.Add(new(bench, "rows_per_commit", rows / commits, "rows", n, concurrency, shape));
            figures.Add(new(bench, "commits_per_task", commits / Math.Max(times.Count, 1), "commits", n, concurrency, shape));
        }
        if (SiloCounters.WriterBusy(start.Before, after) is { } busy)
        {
            // Whether the writer bounds the rate: the busiest silo's time committing over the measurement's wall time.
            figures.Add(new(bench, "writer_busy", busy, "%", n, concurrency, shape));
        }
        if (cluster.Silos.Count > 1)
        {
            // Where the work could run: a queue partition dispatches to the runner of its own silo, and the intake (a
            // stateless worker) runs on the silo whose gateway took the call. A silo with neither only hosts task grains.
            foreach (var (grain, metric) in new[] { ("OmniActors.Queues.QueuePartitionGrain", "partitions"), ("OmniActors.Tasks.TaskIntakeGrain", "intake_activations") })
            {
                if (await cluster.ActivationsPerSiloAsync(grain) is { } perSilo)
                {
                    figures.AddRange(perSilo.Select((count, i) => new Figure(bench, $"silo{i + 1}_{metric}", count, "activations", n, concurrency, shape)));
                }
            }
        }
        return figures;
    }

    /// <summary>Tasks enqueued one at a time at each paced rate into idle workers, open loop (a call starts at its due
    /// time whether or not earlier calls returned, so a slow call cannot hide the ones queued behind it).
    /// Enqueue-call latency is timed by the caller; enqueue-to-start comes from the rows (started_at − created_at,
    /// millisecond resolution, both stamped by the silo).</summary>
    private static async Task<List<Figure>> PacedLatencyAsync(BenchCluster cluster, BenchOptions options, bool overHttp, Action<string> progress)
    {
        var figures = new List<Figure>();
        // Warm-up (not measured): JIT, connection pools, the queue grains' first activations.
        await PacedAsync(cluster, options, NewQueue("warm"), options.Rates[0], Math.Min(options.WarmUp, options.Rates[0]), overHttp);
        cluster.EnterQuotas();
        foreach (var rate in options.Rates)
        {
            var count = Math.Max(1, (int)(rate * options.LatencySeconds));
            var queue = NewQueue("paced");
            var run = await PacedAsync(cluster, options, queue, rate, count, overHttp);
            var times = await cluster.TimesAsync(queue);
            var bench = $"{(overHttp ? "http_latency" : "latency")}@{rate}/s";
            var extra = new Dictionary<string, object> { ["rate"] = rate };
            progress($"{bench}: sent {count} at {count / run.SendSeconds:F0}/s, {run.Failed} failed");
            figures.AddRange(Stats.Percentiles(bench, "enqueue_call", run.Calls, "ms", count, 1, extra));
            figures.AddRange(Stats.Percentiles(bench, "enqueue_to_start", times.Select(t => (double)(t.Started - t.Created)).ToList(), "ms", count, 1, extra));
            // The caller's view: from the moment it sent the call to the handler's start, queueing before the silo
            // stamped created_at included (same machine, same clock).
            var sendToStart = times.Where(t => run.SentAt.ContainsKey(t.Id)).Select(t => (double)(t.Started - run.SentAt[t.Id])).ToList();
            figures.AddRange(Stats.Percentiles(bench, "send_to_start", sendToStart, "ms", count, 1, extra));
            figures.Add(new Figure(bench, "achieved_rate", count / run.SendSeconds, "tasks/s", count, 1, extra));
            figures.Add(new Figure(bench, "failed", run.Failed, "tasks", count, 1, extra));
        }
        return figures;
    }

    private static async Task<(List<double> Calls, int Failed, double SendSeconds, Dictionary<string, long> SentAt)> PacedAsync(BenchCluster cluster, BenchOptions options, string queue, int rate,
        int count, bool overHttp)
    {
        var calls = new double[count];
        var sentAt = new (string? Id, long At)[count];
        var failed = 0;
        var pending = new Task[count];
        var body = Encoding.UTF8.GetBytes($$"""{"action":"noop","queue":"{{queue}}"}""");
        async Task One(int i)
        {
            var start = Stopwatch.GetTimestamp();
            var at = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            try
            {
                if (overHttp)
                {
                    using var content = new ByteArrayContent(body);
                    content.Headers.ContentType = new("application/json");
                    using var response = await cluster.Http.PostAsync(new Uri(cluster.NextBaseAddress(), "api/tasks"), content);
                    if (response.StatusCode != HttpStatusCode.Created)
                    {
                        Interlocked.Increment(ref failed);
                    }
                    else
                    {
                        using var task = JsonDocument.Parse(await response.Content.ReadAsStreamAsync());
                        sentAt[i] = (task.RootElement.GetProperty("id").GetString(), at);
                    }
                }
                else
                {
                    sentAt[i] = ((await cluster.NextClient().EnqueueAsync(Noop(queue))).Task.Id, at);
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TimeoutException or TaskCanceledException or OrleansException)
            {
                Interlocked.Increment(ref failed);
            }
            calls[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            // Timers tick about every millisecond: above 1,000/s calls leave in small bursts, on schedule on average.
            var wait = TimeSpan.FromSeconds((double)i / rate) - sw.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait);
            }
            pending[i] = One(i);
        }
        var sendSeconds = Math.Max(sw.Elapsed.TotalSeconds, 1.0 / rate);
        await Task.WhenAll(pending);
        await cluster.WaitSucceededAsync(queue, count - failed, options.Timeout);
        return ([.. calls], failed, sendSeconds, sentAt.Where(s => s.Id is not null).ToDictionary(s => s.Id!, s => s.At));
    }

    /// <summary>Silo RSS idle (after start and a warm-up), holding <see cref="BenchOptions.Queued"/> queued tasks (queue paused
    /// over HTTP, so they stay queued), and after they drained; storage bytes per task from the table's size.</summary>
    private static async Task<List<Figure>> MemoryAsync(BenchCluster cluster, BenchOptions options, Action<string> progress)
    {
        var m = options.Queued;
        var concurrency = options.BatchParallel;
        var warm = NewQueue("warm");
        await EnqueueBatchesAsync(cluster, options, warm, options.WarmUp);
        await cluster.WaitSucceededAsync(warm, options.WarmUp, options.Timeout);
        cluster.EnterQuotas();
        await Task.Delay(options.Settle);
        var idle = cluster.MaxRssBytes();
        var activationsIdle = await cluster.ActivationCountAsync();
        var bytesBefore = await cluster.StorageBytesAsync();

        var queue = NewQueue("held");
        await cluster.PauseQueueAsync(queue);
        var cpuBefore = cluster.SiloCpu();
        var (refused, enqueueSeconds) = await EnqueueBatchesAsync(cluster, options, queue, m);
        var accepted = m - refused;
        var cpuEnqueue = cluster.SiloCpu() - cpuBefore;
        var stats = await cluster.Client.GetQueueStatsAsync(queue);
        progress($"memory: {accepted} accepted in {enqueueSeconds:F1} s; queue holds {stats.Ready} ready, paused={stats.Paused}");
        if (!stats.Paused || await cluster.CountAsync(queue, "queued") != accepted)
        {
            throw new InvalidOperationException($"The held queue did not hold its {accepted} tasks (paused={stats.Paused}, ready={stats.Ready}).");
        }
        await Task.Delay(options.Settle);
        var queued = cluster.MaxRssBytes();
        var activationsQueued = await cluster.ActivationCountAsync();
        var bytesQueued = await cluster.StorageBytesAsync();

        var cpuResume = cluster.SiloCpu();
        var resumedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await cluster.ResumeQueueAsync(queue);
        await cluster.WaitSucceededAsync(queue, accepted, options.Timeout);
        var drainSeconds = (await cluster.LastFinishedAsync(queue) - resumedAt) / 1000.0;
        var cpuDrain = cluster.SiloCpu() - cpuResume;
        progress($"memory: drained in {drainSeconds:F1} s");
        await Task.Delay(options.Settle);
        var drained = cluster.MaxRssBytes();
        var activationsDrained = await cluster.ActivationCountAsync();
        var peak = cluster.MaxPeakRssBytes();
        var bytesFinished = await cluster.StorageBytesAsync();
        var silos = new Dictionary<string, object> { ["silos"] = cluster.Silos.Count };
        var figures = new List<Figure>
        {
            new("memory", "rss_idle", idle / MiB, "MiB", options.WarmUp, concurrency, silos),
            new("memory", "rss_queued", queued / MiB, "MiB", m, concurrency, silos),
            new("memory", "rss_drained", drained / MiB, "MiB", m, concurrency, silos),
            new("memory", "rss_peak", peak / MiB, "MiB", m, concurrency, silos),
            new("memory", "enqueue_rate_paused", m / enqueueSeconds, "tasks/s", m, concurrency),
            new("memory", "drain_rate", accepted / Math.Max(drainSeconds, 0.001), "tasks/s", m, concurrency),
            new("memory", "silo_cpu_per_task_enqueue", cpuEnqueue.TotalMilliseconds * 1000 / accepted, "us", m, concurrency),
            new("memory", "silo_cpu_per_task_drain", cpuDrain.TotalMilliseconds * 1000 / accepted, "us", m, concurrency),
            new("memory", "storage_bytes_per_task_queued", (bytesQueued - bytesBefore) / (double)accepted, "bytes", m, concurrency),
            new("memory", "storage_bytes_per_task_finished", (bytesFinished - bytesBefore) / (double)accepted, "bytes", m, concurrency),
        };
        // Grain activations (cluster-wide) say what the memory holds: an activation per queued task shows here.
        foreach (var (metric, count) in new[] { ("activations_idle", activationsIdle), ("activations_queued", activationsQueued), ("activations_drained", activationsDrained) })
        {
            if (count is { } c)
            {
                figures.Add(new("memory", metric, c, "activations", m, concurrency, silos));
            }
        }
        return figures;
    }
}
