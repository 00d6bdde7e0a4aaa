using System.Globalization;

namespace OmniActors.Bench;

/// <summary>A CPU quota for one silo process: a cgroup of its own with a CFS quota (cgroup v1: <c>cpu.cfs_quota_us</c>
/// over <c>cpu.cfs_period_us</c>; cgroup v2: <c>cpu.max</c>), so several silos on one machine stop sharing the same
/// cores as they please. Needs root (or a delegated cgroup tree).</summary>
/// <remarks>A silo either starts inside its group (<see cref="WrapCommand"/>, <c>--quota-at start</c>) or is moved there
/// when the measurement begins (<see cref="Enter"/>, <c>--quota-at measure</c>, the default). The .NET runtime reads the
/// quota at start and sizes itself for it (<c>Environment.ProcessorCount</c> 1 at 0.4 CPU, one server GC heap), as it
/// does in a container with a CPU limit; a silo moved in later is given the same size at start instead
/// (<see cref="ProcessorCount"/> as <c>DOTNET_PROCESSOR_COUNT</c>), so it does not run two GC heaps and spin threads for
/// two cores while the kernel throttles it.</remarks>
internal sealed class CpuQuota
{
    private const string Root = "/sys/fs/cgroup";
    private const int PeriodUs = 100_000;

    private CpuQuota(string path, double cpus, bool v2)
    {
        Path = path;
        Cpus = cpus;
        IsV2 = v2;
    }

    /// <summary>The group's directory.</summary>
    public string Path { get; }

    /// <summary>CPUs the group may use (0.4 = 40 ms of every 100 ms).</summary>
    public double Cpus { get; }

    /// <summary>True on the unified hierarchy (cgroup v2).</summary>
    public bool IsV2 { get; }

    /// <summary>Creates group <paramref name="name"/> (e.g. <c>omni-bench-120000-pg4-silo2</c>) limited to <paramref name="cpus"/>.</summary>
    public static CpuQuota Create(string name, double cpus)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cpus);
        var quotaUs = ((long)Math.Round(cpus * PeriodUs)).ToString(CultureInfo.InvariantCulture);
        var period = PeriodUs.ToString(CultureInfo.InvariantCulture);
        try
        {
            if (File.Exists(System.IO.Path.Combine(Root, "cgroup.controllers")))
            {
                // v2: the cpu controller must be enabled for the root's children before a child can have cpu.max.
                var subtree = System.IO.Path.Combine(Root, "cgroup.subtree_control");
                if (!File.ReadAllText(subtree).Split(' ', StringSplitOptions.TrimEntries).Contains("cpu"))
                {
                    File.WriteAllText(subtree, "+cpu");
                }
                var path = System.IO.Path.Combine(Root, name);
                Directory.CreateDirectory(path);
                File.WriteAllText(System.IO.Path.Combine(path, "cpu.max"), $"{quotaUs} {period}");
                return new CpuQuota(path, cpus, v2: true);
            }
            var cpuRoot = System.IO.Path.Combine(Root, "cpu");
            if (File.Exists(System.IO.Path.Combine(cpuRoot, "cpu.cfs_quota_us")))
            {
                var path = System.IO.Path.Combine(cpuRoot, name);
                Directory.CreateDirectory(path);
                File.WriteAllText(System.IO.Path.Combine(path, "cpu.cfs_period_us"), period);
                File.WriteAllText(System.IO.Path.Combine(path, "cpu.cfs_quota_us"), quotaUs);
                return new CpuQuota(path, cpus, v2: false);
            }
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            throw new InvalidOperationException($"Could not create cgroup {name} with a quota of {cpus} CPU (run as root, or drop --silo-cpu): {ex.Message}", ex);
        }
        throw new InvalidOperationException($"--silo-cpu needs cgroups: neither {Root}/cgroup.controllers (v2) nor {Root}/cpu/cpu.cfs_quota_us (v1) exists.");
    }

    /// <summary>The command that starts <paramref name="file"/> with <paramref name="arguments"/> inside the group: a shell
    /// writes its own pid into <c>cgroup.procs</c>, then execs the program (same pid, so the caller's handle stays right).</summary>
    public (string File, IReadOnlyList<string> Arguments) WrapCommand(string file, IEnumerable<string> arguments) =>
        ("/bin/sh", ["-c", "echo $$ > \"$1\" && shift && exec \"$@\"", "sh", System.IO.Path.Combine(Path, "cgroup.procs"), file, .. arguments]);

    /// <summary>The processor count the runtime derives from the quota (at least one), for a silo that starts outside it.</summary>
    public int ProcessorCount => Math.Max(1, (int)Math.Ceiling(Cpus));

    /// <summary>Moves process <paramref name="pid"/> (all its threads) into the group.</summary>
    public void Enter(int pid) =>
        File.WriteAllText(System.IO.Path.Combine(Path, "cgroup.procs"), pid.ToString(CultureInfo.InvariantCulture));

    /// <summary>Removes the group; false while a process is still in it (the kernel answers EBUSY until a killed process
    /// has exited and been reaped, so callers wait for the exit and try again).</summary>
    public bool TryRemove()
    {
        try
        {
            if (Directory.Exists(Path))
            {
                // rmdir: a cgroup directory's control files are not files to delete first.
                Directory.Delete(Path);
            }
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Removes the group, retrying for a few seconds while the kernel still counts an exiting process in it.</summary>
    public async Task RemoveAsync()
    {
        for (var attempt = 0; !TryRemove(); attempt++)
        {
            if (attempt == 50)
            {
                throw new IOException($"cgroup {Path} could not be removed: a process is still in it.");
            }
            await Task.Delay(100);
        }
    }
}
