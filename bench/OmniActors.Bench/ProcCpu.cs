using System.Globalization;
using System.Text.RegularExpressions;

namespace OmniActors.Bench;

/// <summary>CPU time of processes from <c>/proc/&lt;pid&gt;/stat</c> (user + system).</summary>
internal static partial class ProcCpu
{
    // USER_HZ: the unit of utime and stime. 100 on every Linux architecture .NET runs on (it is part of the kernel's ABI,
    // whatever the kernel's own HZ); `getconf CLK_TCK` says so.
    private const double TicksPerSecond = 100;

    /// <summary>CPU time (user + system) of process <paramref name="pid"/>, or null when it is gone.</summary>
    public static TimeSpan? Of(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so count fields after the last ')'.
        // utime and stime are fields 14 and 15, i.e. the 12th and 13th after the comm.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / TicksPerSecond);
    }

    /// <summary>The command line of <paramref name="pid"/> (arguments joined by spaces; PostgreSQL rewrites its own to
    /// say what each process does), or null when it is gone.</summary>
    public static string? CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Processes named <paramref name="comm"/> (<c>/proc/&lt;pid&gt;/comm</c>).</summary>
    public static IEnumerable<int> Named(string comm)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }
            string name;
            try
            {
                name = File.ReadAllText(Path.Combine(dir, "comm")).TrimEnd('\n');
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue;
            }
            if (name == comm)
            {
                yield return pid;
            }
        }
    }

    /// <summary>A client backend's title names its client: "user db 127.0.0.1(40312) idle" or "[local]".</summary>
    [GeneratedRegex(@"\(\d+\)|\[local\]")]
    internal static partial Regex ClientBackend();
}

/// <summary>CPU used by a local PostgreSQL server on behalf of one database since the meter started: its backends
/// (the silos' and the bench's connections to that database) plus the server's shared processes (postmaster, WAL
/// writer, checkpointer, background writer, autovacuum), which work for every database on the server. Backends of
/// other databases (someone else's tests on the same server) are left out. A backend that exits before the reading
/// takes its CPU with it; pools keep theirs open for the run, so little is lost.</summary>
internal sealed class PostgresCpu
{
    private readonly string database;
    private readonly Dictionary<int, TimeSpan> start;

    private PostgresCpu(string database)
    {
        this.database = database;
        start = Read();
    }

    /// <summary>A meter for <paramref name="database"/>, or null when the server is not on this machine (a remote host,
    /// or no <c>postgres</c> process visible here).</summary>
    public static PostgresCpu? StartIfLocal(string host, string database)
    {
        var local = host is "127.0.0.1" or "localhost" or "::1" || host.StartsWith('/');
        return local && ProcCpu.Named("postgres").Any() ? new PostgresCpu(database) : null;
    }

    /// <summary>CPU used since the meter started.</summary>
    public TimeSpan Elapsed() =>
        Read().Aggregate(TimeSpan.Zero, (sum, p) => sum + p.Value - start.GetValueOrDefault(p.Key, TimeSpan.Zero));

    private Dictionary<int, TimeSpan> Read()
    {
        var cpu = new Dictionary<int, TimeSpan>();
        foreach (var pid in ProcCpu.Named("postgres"))
        {
            if (ProcCpu.CommandLine(pid) is not { } title)
            {
                continue;
            }
            var ours = !ProcCpu.ClientBackend().IsMatch(title) || title.Contains($" {database} ", StringComparison.Ordinal);
            if (ours && ProcCpu.Of(pid) is { } used)
            {
                cpu[pid] = used;
            }
        }
        return cpu;
    }
}
