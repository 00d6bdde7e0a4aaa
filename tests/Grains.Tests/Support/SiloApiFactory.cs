using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using OmniActors.Tests.Storage;
using OmniActors.Tests.Shared;

namespace OmniActors.Tests.Support;

/// <summary>
/// The real silo app (<c>Program</c>: Orleans silo and HTTP API in one host) in process behind a TestServer, on a
/// SQLite file in a temp folder, with free silo and gateway ports (other tests run silos at the same time), the API
/// key required, and the test actions registered beside the built-in ones. Ready once <c>/health/ready</c> says so.
/// </summary>
public sealed class SiloApiFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string ApiKey = "test-key";

    private readonly TempSqliteFile _file = new();
    private bool _fileDeleted;

    public SiloApiFactory()
    {
        (SiloPort, GatewayPort) = LoopbackPorts.Pair();
    }

    /// <summary>The silo-to-silo port this factory chose.</summary>
    public int SiloPort { get; }

    /// <summary>The gateway port this factory chose.</summary>
    public int GatewayPort { get; }

    public TempSqliteFile Database => _file;

    /// <summary>What this silo's test handlers saw.</summary>
    public Probe Probe { get; } = new();

    /// <summary>Everything the factory configures, on top of the grain tests' settings.</summary>
    public IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>(TaskClusterFixture.Settings(_file.Path))
    {
        ["OmniActors:Cluster:SiloPort"] = SiloPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["OmniActors:Cluster:GatewayPort"] = GatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["OmniActors:Api:RequireApiKey"] = "true",
        ["OmniActors:Api:ApiKeys:0"] = ApiKey,
    };

    /// <summary>A client that sends the API key.</summary>
    public HttpClient CreateApiClient()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        return client;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.UseEnvironment("Testing");
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }
        builder.ConfigureServices(services => TaskClusterFixture.AddTestActions(services, Probe));
    }

    public async Task InitializeAsync()
    {
        using var client = CreateClient(); // Starts the host (silo included).
        await Eventually.Until(() => client.GetAsync(new Uri("/health/ready", UriKind.Relative)),
            r => r.StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(60), "the silo reports ready");
    }

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    protected override void Dispose(bool disposing)
    {
        // The base class re-enters Dispose(true) from DisposeAsync; delete the file once, after the host stopped.
        base.Dispose(disposing);
        if (disposing && !_fileDeleted)
        {
            _fileDeleted = true;
            _file.Dispose();
        }
    }
}
