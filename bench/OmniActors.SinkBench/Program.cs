using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OmniActors.Stats;
using OmniActors.Storage;
using OmniActors.Tasks;

// The cost a lifecycle sink adds to the hot path: the time TaskEventSinks.Publish spends in it per event, measured in
// process (no silo, no storage: the rollup's flush runs off the hot path and is not called here). Each task publishes
// three events (enqueued; executing with its wait; complete) in three transitions, over 16 queues, from 1 and from 2
// threads (this machine has 2 cores). The metrics sink, already on the hot path, is measured the same way as a yardstick.
// Run: dotnet run -c Release --project bench/OmniActors.SinkBench [-- tasks]
var tasks = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 2_000_000;
var services = new ServiceCollection().AddMetrics()
    .Configure<StorageOptions>(o => o.SqlitePath = Path.Combine(Path.GetTempPath(), "sinkbench.db"))
    .BuildServiceProvider();
var rollup = new StatsRollup(StatsStore.Create(services), new QueueGaugeSampler(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()),
    Options.Create(new StatsOptions()), TimeProvider.System, NullLogger<StatsRollup>.Instance);
var metrics = new TaskMetricsSink(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
var queues = Enumerable.Range(0, 16).Select(i => $"queue-{i:00}").ToArray();

TaskLifecycleEvent[][] Transitions(int seed)
{
    var at = DateTimeOffset.UtcNow;
    var q = queues[seed % queues.Length];
    return
    [
        [new TaskLifecycleEvent("t", q, "noop", TaskEventType.Enqueued, 0, at, null)],
        [new TaskLifecycleEvent("t", q, "noop", TaskEventType.Executing, 1, at, null, TimeSpan.FromMilliseconds(seed % 700))],
        [new TaskLifecycleEvent("t", q, "noop", TaskEventType.Complete, 1, at, null, TimeSpan.FromMilliseconds(3))],
    ];
}

double Measure(ITaskEventSink sink, int threads)
{
    var prepared = Enumerable.Range(0, 4096).Select(Transitions).ToArray();
    var per = tasks / threads;
    void Run()
    {
        for (var i = 0; i < per; i++)
        {
            foreach (var t in prepared[i & 4095])
            {
                sink.Publish(t);
            }
        }
    }
    Run(); // warm-up (JIT, the dictionary's keys)
    var watch = Stopwatch.StartNew();
    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
    var workers = Enumerable.Range(0, threads).Select(_ => new Thread(Run)).ToList();
    workers.ForEach(w => w.Start());
    workers.ForEach(w => w.Join());
    var cpuNs = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds * 1e6;
    watch.Stop();
    return cpuNs / (per * threads * 3.0);
}

foreach (var threads in new[] { 1, 2 })
{
    for (var round = 0; round < 3; round++)
    {
        Console.WriteLine($"threads={threads} round={round} rollup={Measure(rollup, threads):0.0} ns/event metrics={Measure(metrics, threads):0.0} ns/event");
    }
}
Console.WriteLine($"dropped={rollup.Dropped}");
