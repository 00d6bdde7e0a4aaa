using System.Diagnostics;

namespace OmniActors.Bench;

/// <summary>CPU used over a span of work: by each silo process (<c>/proc/&lt;pid&gt;/stat</c>), by a local PostgreSQL
/// server for the run's database (not in any silo's quota), and by the bench process itself (the client side).</summary>
internal sealed class CpuMeter
{
    private readonly IReadOnlyList<SiloProcess> silos;
    private readonly TimeSpan[] siloStart;
    private readonly PostgresCpu? postgres;
    private readonly TimeSpan benchStart;
    private readonly Stopwatch wall = Stopwatch.StartNew();

    public CpuMeter(IReadOnlyList<SiloProcess> silos, PostgresCpu? postgres)
    {
        this.silos = silos;
        this.postgres = postgres;
        siloStart = [.. silos.Select(s => s.CpuTime())];
        benchStart = Process.GetCurrentProcess().TotalProcessorTime;
    }

    /// <summary>Figures of the span so far, per task of <paramref name="tasks"/>:
    /// <c>silo_cpu_per_task</c> (all silos), <c>pg_cpu_per_task</c> (local PostgreSQL only), and in cores (CPU seconds per
    /// second of the span) <c>silo{i}_cpu_cores</c> for each silo, <c>pg_cpu_cores</c> and <c>bench_cpu_cores</c>: a silo
    /// at its quota is the bottleneck; one well under it waits on something else.</summary>
    public List<Figure> Figures(string bench, long n, long tasks, int concurrency, IReadOnlyDictionary<string, object>? extra)
    {
        var seconds = Math.Max(wall.Elapsed.TotalSeconds, 0.001);
        var perSilo = silos.Select((s, i) => s.CpuTime() - siloStart[i]).ToList();
        var total = perSilo.Aggregate(TimeSpan.Zero, (sum, t) => sum + t);
        double PerTask(TimeSpan cpu) => cpu.TotalMilliseconds * 1000 / Math.Max(tasks, 1);
        var figures = new List<Figure> { new(bench, "silo_cpu_per_task", PerTask(total), "us", n, concurrency, extra) };
        if (postgres?.Elapsed() is { } pg)
        {
            figures.Add(new(bench, "pg_cpu_per_task", PerTask(pg), "us", n, concurrency, extra));
            figures.Add(new(bench, "pg_cpu_cores", pg.TotalSeconds / seconds, "cores", n, concurrency, extra));
        }
        for (var i = 0; i < perSilo.Count; i++)
        {
            figures.Add(new(bench, $"silo{i + 1}_cpu_cores", perSilo[i].TotalSeconds / seconds, "cores", n, concurrency, extra));
        }
        figures.Add(new(bench, "bench_cpu_cores", (Process.GetCurrentProcess().TotalProcessorTime - benchStart).TotalSeconds / seconds, "cores", n, concurrency, extra));
        return figures;
    }
}
