using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using OmniActors.Tests.Shared;

namespace OmniActors.Bench;

/// <summary>A real silo process (<c>dotnet OmniActors.Silo.dll</c>) with its own ports, log file, memory and CPU readings,
/// optionally confined to a CPU quota (a cgroup of its own, removed with it).</summary>
internal sealed class SiloProcess : IAsyncDisposable
{
    // Silos this bench started and has not stopped yet: killed if the bench itself is stopped (Ctrl-C, SIGTERM),
    // so no silo outlives it, and their cgroups removed.
    private static readonly ConcurrentDictionary<int, (Process Process, CpuQuota? Quota)> Started = new();

    private static readonly PosixSignalRegistration[] SignalHandlers =
    [
        PosixSignalRegistration.Create(PosixSignal.SIGINT, _ => KillStarted()),
        PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => KillStarted()),
        PosixSignalRegistration.Create(PosixSignal.SIGHUP, _ => KillStarted()),
    ];

    static SiloProcess() => AppDomain.CurrentDomain.ProcessExit += (_, _) => KillStarted();

    private readonly Process process;
    private readonly StreamWriter log;

    private SiloProcess(Process process, StreamWriter log, int httpPort, int gatewayPort, int siloPort, string logPath, CpuQuota? quota)
    {
        SiloPort = siloPort;
        this.process = process;
        this.log = log;
        Quota = quota;
        HttpPort = httpPort;
        GatewayPort = gatewayPort;
        LogPath = logPath;
    }

    public int HttpPort { get; }
    public int GatewayPort { get; }
    /// <summary>The silo-to-silo port: the port of its Orleans silo address (<c>127.0.0.1:port@generation</c>).</summary>
    public int SiloPort { get; }
    public string LogPath { get; }
    public int Pid => process.Id;
    public Uri BaseAddress => new($"http://127.0.0.1:{HttpPort}/");

    /// <summary>The silo's CPU quota (its cgroup), or null when it may use every core.</summary>
    public CpuQuota? Quota { get; }

    /// <summary>Starts the silo with <paramref name="settings"/> as environment configuration (keys with <c>:</c>), inside
    /// <paramref name="quota"/>'s cgroup when one is given (the silo owns it from then on and removes it when it stops), or,
    /// with <paramref name="enterQuotaLater"/>, outside it until <see cref="EnterQuota"/>: a silo under a 0.1-CPU quota takes
    /// minutes to compile its way to ready, which is not what a scale-out run measures.</summary>
    public static SiloProcess Start(string siloDll, IReadOnlyDictionary<string, string> settings, string logPath, CpuQuota? quota = null,
        bool enterQuotaLater = false)
    {
        // Distinct, and below the kernel's ephemeral range, where a released port could become a client connection's
        // local port before the silo binds it (tests/Shared/LoopbackPorts).
        var ports = LoopbackPorts.Take(3);
        var (httpPort, gatewayPort, siloPort) = (ports[0], ports[1], ports[2]);
        var (file, arguments) = quota is not null && !enterQuotaLater ? quota.WrapCommand("dotnet", [siloDll]) : ("dotnet", [siloDll]);
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(logPath)!,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        void Set(string key, string value) => info.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        Set("ASPNETCORE_URLS", $"http://127.0.0.1:{httpPort}");
        Set("OmniActors:Cluster:SiloPort", siloPort.ToString(CultureInfo.InvariantCulture));
        Set("OmniActors:Cluster:GatewayPort", gatewayPort.ToString(CultureInfo.InvariantCulture));
        Set("OmniActors:Cluster:AdvertisedIPAddress", "127.0.0.1");
        Set("Logging:LogLevel:Default", "Warning");
        foreach (var (key, value) in settings)
        {
            Set(key, value);
        }
        if (enterQuotaLater && quota is not null)
        {
            Set("DOTNET_PROCESSOR_COUNT", quota.ProcessorCount.ToString(CultureInfo.InvariantCulture));
        }
        var log = new StreamWriter(logPath) { AutoFlush = true };
        var process = new Process { StartInfo = info };
        void Write(object sender, DataReceivedEventArgs e)
        {
            if (e.Data is { } line)
            {
                lock (log)
                {
                    log.WriteLine(line);
                }
            }
        }
        process.OutputDataReceived += Write;
        process.ErrorDataReceived += Write;
        try
        {
            process.Start();
        }
        catch
        {
            quota?.TryRemove();
            throw;
        }
        Started[process.Id] = (process, quota);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new SiloProcess(process, log, httpPort, gatewayPort, siloPort, logPath, quota);
    }

    /// <summary>Moves the silo into its quota's cgroup (a no-op without a quota, or when it is there already).</summary>
    public void EnterQuota() => Quota?.Enter(process.Id);

    /// <summary>Waits until <c>/health/ready</c> answers 200 (storage reachable, silo active).</summary>
    public async Task WaitReadyAsync(HttpClient http, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The silo exited with {process.ExitCode} before it was ready; see {LogPath}.");
            }
            try
            {
                using var response = await http.GetAsync(new Uri(BaseAddress, "health/ready"));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"The silo was not ready within {timeout}; see {LogPath}.");
    }

    /// <summary>CPU time (user + system) the silo process used so far, from <c>/proc/&lt;pid&gt;/stat</c>.</summary>
    public TimeSpan CpuTime() => ProcCpu.Of(process.Id) ?? throw new InvalidOperationException($"The silo (pid {process.Id}) has exited; see {LogPath}.");

    /// <summary>Resident set size now (VmRSS), bytes.</summary>
    public long RssBytes() => ReadStatus("VmRSS:");

    /// <summary>Highest resident set size so far (VmHWM), bytes.</summary>
    public long PeakRssBytes() => ReadStatus("VmHWM:");

    private long ReadStatus(string field)
    {
        foreach (var line in File.ReadLines($"/proc/{process.Id}/status"))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                // "VmRSS:	  123456 kB"
                var kb = line[field.Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
                return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
            }
        }
        throw new InvalidOperationException($"/proc/{process.Id}/status has no {field}");
    }

    private static void KillStarted()
    {
        if (!Started.IsEmpty)
        {
            Console.Error.WriteLine($"bench stopped: killing {Started.Count} silo process(es)");
        }
        foreach (var (process, _) in Started.Values)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
        }
        // A signal handler cannot await: wait for each killed silo synchronously, briefly, so its cgroup can go.
        foreach (var (process, quota) in Started.Values)
        {
            if (quota is not null && process.WaitForExit(TimeSpan.FromSeconds(5)) && !quota.TryRemove())
            {
                Console.Error.WriteLine($"cgroup {quota.Path} is left behind (rmdir it once empty)");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        Started.TryRemove(process.Id, out _);
        if (!process.HasExited)
        {
            // The bench's data is thrown away after the run, so there is nothing to drain: stop it hard.
            process.Kill(entireProcessTree: true);
        }
        await process.WaitForExitAsync();
        process.Dispose();
        lock (log)
        {
            log.Dispose();
        }
        if (Quota is not null)
        {
            await Quota.RemoveAsync();
        }
    }
}
