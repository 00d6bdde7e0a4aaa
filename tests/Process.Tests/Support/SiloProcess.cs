using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Reflection;
using OmniActors.Tests.Shared;

namespace OmniActors.Tests.Support;

/// <summary>
/// The real silo (the <c>OmniActors.Silo</c> build output, run with <c>dotnet</c>) as a child process: Production
/// environment, an API key, its own HTTP, silo and gateway ports (other tests run silos at the same time), the given
/// SQLite file, and stdout and stderr appended to a log file. Ready once <c>/health/ready</c> answers 200.
/// </summary>
public sealed class SiloProcess : IAsyncDisposable
{
    public const string ApiKey = "process-test-key";

    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly Lock _logGate = new();
    private bool _closed;

    /// <summary>This process's own output said a port it was to listen on was taken (not an earlier try's, which shares
    /// the log file).</summary>
    private volatile bool _portTaken;

    private SiloProcess(Process process, StreamWriter log, Uri baseAddress, string logPath, int siloPort, int gatewayPort)
    {
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
        _process = process;
        _log = log;
        BaseAddress = baseAddress;
        LogPath = logPath;
        Http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
        Http.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
    }

    /// <summary>The silo-to-silo port: in cluster mode, the port of its row in the membership table and of its Orleans address.</summary>
    public int SiloPort { get; }

    /// <summary>The port Orleans clients connect to.</summary>
    public int GatewayPort { get; }

    /// <summary>The silo's HTTP address.</summary>
    public Uri BaseAddress { get; }

    /// <summary>A client on <see cref="BaseAddress"/> that sends the API key.</summary>
    public HttpClient Http { get; }

    /// <summary>Where the silo's console output goes.</summary>
    public string LogPath { get; }

    /// <summary>The operating system's process id.</summary>
    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The silo build the tests run: the path the test project recorded from the silo project at build time.</summary>
    public static string SiloAssembly { get; } = typeof(SiloProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .SingleOrDefault(a => a.Key == "SiloAssembly")?.Value
        ?? throw new InvalidOperationException("The test assembly does not record the silo's build output (see the test project's RecordSiloAssembly target).");

    /// <summary>
    /// Starts a silo on <paramref name="databasePath"/> and waits until it is ready. A silo that exits because one of
    /// its ports was taken between choosing and binding (another test's server) is started again on other ports, at
    /// most three times in all.
    /// </summary>
    /// <param name="settings">Further configuration, as <c>OmniActors:Section:Key</c> names.</param>
    public static async Task<SiloProcess> StartAsync(string databasePath, string logPath, IReadOnlyDictionary<string, string> settings, TimeSpan readyWithin)
    {
        if (!File.Exists(SiloAssembly))
        {
            throw new InvalidOperationException($"The silo is not built at {SiloAssembly}; build the solution first.");
        }
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnceAsync(databasePath, logPath, settings, readyWithin);
            }
            catch (SiloExitedException exited) when (attempt < 3 && exited.PortTaken)
            {
                await File.AppendAllTextAsync(logPath, $"--- a port was taken before the silo bound it; starting again on other ports{Environment.NewLine}");
            }
        }
    }

    private static async Task<SiloProcess> StartOnceAsync(string databasePath, string logPath, IReadOnlyDictionary<string, string> settings, TimeSpan readyWithin)
    {
        var ports = LoopbackPorts.Take(3);
        var httpPort = ports[0];
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(SiloAssembly)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(SiloAssembly);
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{httpPort}",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["OmniActors:Api:ApiKeys:0"] = ApiKey,
            ["OmniActors:Storage:SqlitePath"] = databasePath,
            ["OmniActors:Cluster:SiloPort"] = ports[1].ToString(CultureInfo.InvariantCulture),
            ["OmniActors:Cluster:GatewayPort"] = ports[2].ToString(CultureInfo.InvariantCulture),
            // Console output is the log the tests print on failure: plain lines, one per event.
            ["Logging:Console:FormatterName"] = "simple",
            ["Logging:Console:FormatterOptions:SingleLine"] = "true",
            ["Logging:Console:FormatterOptions:TimestampFormat"] = "HH:mm:ss.fff ",
            // The http action's client logs four lines a request: they would bury the silo's own events.
            ["Logging:LogLevel:System.Net.Http.HttpClient"] = "Warning",
        };
        foreach (var (key, value) in settings)
        {
            environment[key] = value;
        }
        foreach (var (key, value) in environment)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var log = new StreamWriter(new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        SiloProcess? silo = null;
        process.OutputDataReceived += (_, e) => silo?.Append(e.Data);
        process.ErrorDataReceived += (_, e) => silo?.Append(e.Data);
        await log.WriteLineAsync($"--- {DateTimeOffset.Now:HH:mm:ss.fff} starting silo on {start.Environment["ASPNETCORE_URLS"]} ({databasePath})");
        silo = new SiloProcess(process, log, new Uri($"http://127.0.0.1:{httpPort}"), logPath, ports[1], ports[2]);
        try
        {
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            await silo.WaitUntilReadyAsync(readyWithin);
            return silo;
        }
        catch
        {
            await silo.DisposeAsync();
            throw;
        }
    }

    /// <summary>The status code <paramref name="path"/> answers (no API key needed for health), or null when the silo does not answer within 5 s.</summary>
    public async Task<HttpStatusCode?> ProbeAsync(string path)
    {
        using var probe = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            using var response = await probe.GetAsync(new Uri(path, UriKind.Relative));
            return response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return null;
        }
        catch (TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>Waits until <c>/health/ready</c> answers 200; throws with the log tail when the process exits or the time is up.</summary>
    public async Task WaitUntilReadyAsync(TimeSpan within)
    {
        using var deadline = new CancellationTokenSource(within);
        using var probe = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        while (true)
        {
            if (_process.HasExited)
            {
                throw new SiloExitedException($"The silo exited with code {_process.ExitCode} before it was ready.\n{LogTail()}", _portTaken);
            }
            try
            {
                using var response = await probe.GetAsync(new Uri("/health/ready", UriKind.Relative), deadline.Token);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (OperationCanceledException) when (!deadline.IsCancellationRequested)
            {
                // That probe timed out; the deadline has not passed.
            }
            catch (OperationCanceledException)
            {
                break;
            }
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), deadline.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        throw new TimeoutException($"The silo was not ready within {within}.\n{LogTail()}");
    }

    /// <summary>SIGKILL: the process dies at once, nothing is flushed or drained.</summary>
    public void KillHard()
    {
        Append($"--- {DateTimeOffset.Now:HH:mm:ss.fff} test sends SIGKILL");
        // On Unix Process.Kill sends SIGKILL (the tests check the exit code says so).
        _process.Kill(entireProcessTree: false);
    }

    /// <summary>SIGTERM: what a container runtime or systemd sends to stop the silo gracefully.</summary>
    public async Task TerminateAsync()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            throw new PlatformNotSupportedException("SIGTERM needs a Unix system.");
        }
        Append($"--- {DateTimeOffset.Now:HH:mm:ss.fff} test sends SIGTERM");
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", Pid.ToString(CultureInfo.InvariantCulture) }, UseShellExecute = false })
            ?? throw new InvalidOperationException("Could not run kill.");
        await kill.WaitForExitAsync();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -TERM {Pid} exited with {kill.ExitCode}.");
        }
    }

    /// <summary>The exit code once the process ended; throws when it still runs after <paramref name="within"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan within)
    {
        using var deadline = new CancellationTokenSource(within);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The silo (pid {Pid}) still runs {within} later.\n{LogTail()}");
        }
        return _process.ExitCode;
    }

    /// <summary>The last lines of the log file.</summary>
    public string LogTail(int lines = 60)
    {
        lock (_logGate)
        {
            using var reader = new StreamReader(new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
            var all = reader.ReadToEnd().Split('\n');
            return $"--- tail of {LogPath}:\n" + string.Join('\n', all.TakeLast(lines));
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        if (line.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
        {
            _portTaken = true;
        }
        lock (_logGate)
        {
            if (!_closed)
            {
                _log.WriteLine(line);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await _process.WaitForExitAsync(deadline.Token);
            }
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }
        catch (OperationCanceledException)
        {
            // It did not die in time; nothing more a test can do.
        }
        _process.Dispose();
        lock (_logGate)
        {
            _closed = true;
            _log.Dispose();
        }
    }
}

/// <summary>The silo process ended before it was ready; the message carries its log's tail.</summary>
public sealed class SiloExitedException(string message, bool portTaken) : InvalidOperationException(message)
{
    /// <summary>It ended because a port it was to listen on was taken.</summary>
    public bool PortTaken { get; } = portTaken;
}
