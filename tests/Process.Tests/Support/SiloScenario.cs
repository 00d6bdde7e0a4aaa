using System.Globalization;
using Xunit.Abstractions;

namespace OmniActors.Tests.Support;

/// <summary>
/// What a process test needs around its silos: a temp folder holding the SQLite file and the silo logs, the fake
/// downstream service, and every silo process started, all killed and deleted on dispose whatever the outcome.
/// </summary>
public sealed class SiloScenario : IAsyncDisposable
{
    private readonly List<SiloProcess> _silos = [];
    private readonly List<Func<string>> _diagnostics = [];
    private readonly Lock _gate = new();
    private int _started;
    private readonly Dictionary<string, string> _settings;
    private readonly ITestOutputHelper _output;

    private SiloScenario(FakeDownstream downstream, Dictionary<string, string> settings, ITestOutputHelper output)
    {
        Downstream = downstream;
        _settings = settings;
        _output = output;
        Folder = Directory.CreateTempSubdirectory("omni-process-").FullName;
    }

    /// <summary>The temp folder of this scenario.</summary>
    public string Folder { get; }

    /// <summary>The SQLite file every silo of this scenario shares.</summary>
    public string DatabasePath => Path.Combine(Folder, "omni.db");

    public FakeDownstream Downstream { get; }

    /// <summary>Starts the downstream service; <paramref name="settings"/> go to every silo.</summary>
    public static async Task<SiloScenario> StartAsync(ITestOutputHelper output, IReadOnlyDictionary<string, string> settings) =>
        new(await FakeDownstream.StartAsync(), new Dictionary<string, string>(settings), output);

    /// <summary>Every silo started so far, in start order.</summary>
    public IReadOnlyList<SiloProcess> Silos
    {
        get
        {
            lock (_gate)
            {
                return [.. _silos];
            }
        }
    }

    /// <summary>Starts a silo on the scenario's database and waits until it is ready. Several may start at once.</summary>
    public async Task<SiloProcess> StartSiloAsync()
    {
        var log = Path.Combine(Folder, $"silo-{Interlocked.Increment(ref _started)}.log");
        var silo = await SiloProcess.StartAsync(DatabasePath, log, _settings, TimeSpan.FromSeconds(90));
        lock (_gate)
        {
            _silos.Add(silo);
        }
        return silo;
    }

    /// <summary>More to write to the output when the test fails (e.g. a database server's log).</summary>
    public void OnFailureAlsoWrite(Func<string> diagnostics) => _diagnostics.Add(diagnostics);

    /// <summary>An <c>http</c> task that makes the downstream service hold the request <paramref name="holdMs"/>.</summary>
    public object HttpTask(string idempotencyKey, int holdMs) => new
    {
        action = "http",
        payload = new { url = Downstream.WorkUrl.ToString(), timeoutSeconds = 10, holdMs },
        idempotencyKey,
    };

    /// <summary>Runs the test body; on failure writes every silo's log tail to the output before rethrowing.</summary>
    public async Task RunAsync(Func<Task> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        try
        {
            await body();
        }
        catch
        {
            foreach (var silo in Silos)
            {
                _output.WriteLine(silo.LogTail());
            }
            foreach (var diagnostics in _diagnostics)
            {
                _output.WriteLine(diagnostics());
            }
            throw;
        }
    }

    /// <summary>Writes a measured figure to the test output and the console.</summary>
    public void Report(FormattableString line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var text = line.ToString(CultureInfo.InvariantCulture);
        _output.WriteLine(text);
        Console.WriteLine(text);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var silo in Silos)
        {
            await silo.DisposeAsync();
        }
        await Downstream.DisposeAsync();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: the folder is under the temp directory.
        }
    }
}
