namespace OmniActors.Bench;

/// <summary>
/// What the bench reads off one silo's <c>/metrics</c> at a moment: its task store's group commits and the rows they carried
/// (null for a build without them, an older one run with <c>--silo</c>) and the time its JIT spent compiling (the runtime's
/// <c>dotnet.jit.compilation.time</c>; null for a build that does not export the runtime's meter), with the silo's CPU time
/// read beside them, and the time its task store spent committing (null for a build without it) with the moment of reading.
/// </summary>
internal sealed record SiloCounters(double? Commits, double? Rows, double? JitSeconds, TimeSpan Cpu, double? CommitSeconds = null, long At = 0)
{
    /// <summary>
    /// The busiest silo's task-store writer between two readings: its time committing over the wall time between them, in
    /// percent. Near 100 the writer bounds the rate; well below, the work waits on something else (hand-offs, a serial
    /// cycle). Null when a silo does not export the time.
    /// </summary>
    public static double? WriterBusy(IReadOnlyList<SiloCounters> before, IReadOnlyList<SiloCounters> after)
    {
        double? busiest = null;
        for (var i = 0; i < before.Count; i++)
        {
            if (before[i].CommitSeconds is not { } c0 || after[i].CommitSeconds is not { } c1)
            {
                return null;
            }
            var wall = System.Diagnostics.Stopwatch.GetElapsedTime(before[i].At, after[i].At).TotalSeconds;
            busiest = Math.Max(busiest ?? 0, 100 * (c1 - c0) / Math.Max(wall, 0.001));
        }
        return busiest;
    }

    /// <summary>Commits and rows written between two readings, summed over the silos; null when a silo lacks them or none committed.</summary>
    public static (double Commits, double Rows)? CommitsBetween(IReadOnlyList<SiloCounters> before, IReadOnlyList<SiloCounters> after)
    {
        double commits = 0, rows = 0;
        for (var i = 0; i < before.Count; i++)
        {
            if (before[i] is not { Commits: { } c0, Rows: { } r0 } || after[i] is not { Commits: { } c1, Rows: { } r1 })
            {
                return null;
            }
            commits += c1 - c0;
            rows += r1 - r0;
        }
        return commits > 0 ? (commits, rows) : null;
    }

    /// <summary>
    /// The JIT's time between two readings over the silo's CPU time, in percent: of all silos together (<paramref name="busiest"/>
    /// false) or of the silo where it is highest. Null when a silo does not export it. The JIT's time is its threads' elapsed
    /// time compiling, so under a CPU quota it counts the time it was throttled too: an upper bound, which is what a
    /// settle test wants.
    /// </summary>
    public static double? JitShare(IReadOnlyList<SiloCounters> before, IReadOnlyList<SiloCounters> after, bool busiest)
    {
        var shares = new List<(double Jit, double Cpu)>(before.Count);
        for (var i = 0; i < before.Count; i++)
        {
            if (before[i].JitSeconds is not { } j0 || after[i].JitSeconds is not { } j1)
            {
                return null;
            }
            shares.Add((j1 - j0, Math.Max((after[i].Cpu - before[i].Cpu).TotalSeconds, 0.001)));
        }
        return busiest ? shares.Max(s => 100 * s.Jit / s.Cpu) : 100 * shares.Sum(s => s.Jit) / shares.Sum(s => s.Cpu);
    }
}
