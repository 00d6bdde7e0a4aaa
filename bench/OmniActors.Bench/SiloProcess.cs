using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace OmniActors.Bench;

/// <summary>A real silo process (<c>dotnet OmniActors.Silo.dll</c>) with its own ports, log file and memory readings.</summary>
internal sealed class SiloProcess : IAsyncDisposable
{
    // Silos this bench started and has not stopped yet: killed if the bench itself is stopped (Ctrl-C, SIGTERM),
    // so no silo outlives it.
    private static readonly ConcurrentDictionary<int, Process> Started = new();

    private static readonly PosixSignalRegistration[] SignalHandlers =
    [
        PosixSignalRegistration.Create(PosixSignal.SIGINT, _ => KillStarted()),
        PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => KillStarted()),
        PosixSignalRegistration.Create(PosixSignal.SIGHUP, _ => KillStarted()),
    ];

    static SiloProcess() => AppDomain.CurrentDomain.ProcessExit += (_, _) => KillStarted();

    private readonly Process process;
    private readonly StreamWriter log;

    private SiloProcess(Process process, StreamWriter log, int httpPort, int gatewayPort, string logPath)
    {
        this.process = process;
        this.log = log;
        HttpPort = httpPort;
        GatewayPort = gatewayPort;
        LogPath = logPath;
    }

    public int HttpPort { get; }
    public int GatewayPort { get; }
    public string LogPath { get; }
    public int Pid => process.Id;
    public Uri BaseAddress => new($"http://127.0.0.1:{HttpPort}/");

    /// <summary>Starts the silo with <paramref name="settings"/> as environment configuration (keys with <c>:</c>).</summary>
    public static SiloProcess Start(string siloDll, IReadOnlyDictionary<string, string> settings, string logPath)
    {
        var httpPort = FreePort();
        var gatewayPort = FreePort();
        var siloPort = FreePort();
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(logPath)!,
        };
        info.ArgumentList.Add(siloDll);
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
        process.Start();
        Started[process.Id] = process;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new SiloProcess(process, log, httpPort, gatewayPort, logPath);
    }

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

    /// <summary>CPU time (user + system) the silo process used so far.</summary>
    public TimeSpan CpuTime()
    {
        process.Refresh();
        return process.TotalProcessorTime;
    }

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
        foreach (var process in Started.Values)
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
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
