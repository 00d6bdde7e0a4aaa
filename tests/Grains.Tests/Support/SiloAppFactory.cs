using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using OmniActors.Tests.Shared;
using OmniActors.Tests.Storage;

namespace OmniActors.Tests.Support;

/// <summary>
/// The real silo app (<c>Program</c>: Orleans silo and HTTP API in one host) in process, on one throwaway database
/// (SQLite file or PostgreSQL database, made ready at start and deleted at the end), with free silo and gateway ports
/// (other tests run silos at the same time), the grain tests' settings, the API key required and the test actions
/// registered beside the built-in ones. Ready once <c>/health/ready</c> says so. Subclasses add their own settings.
/// </summary>
public abstract class SiloAppFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    private IReadOnlyDictionary<string, string?>? _storage;

    protected SiloAppFactory(TempDatabase database, string apiKey)
    {
        Database = database;
        ApiKey = apiKey;
        (SiloPort, GatewayPort) = LoopbackPorts.Pair();
    }

    /// <summary>The database behind the silo, for checking rows directly.</summary>
    public TempDatabase Database { get; }

    /// <summary>The key the API requires.</summary>
    public string ApiKey { get; }

    /// <summary>The silo-to-silo port this factory chose.</summary>
    public int SiloPort { get; }

    /// <summary>The gateway port this factory chose.</summary>
    public int GatewayPort { get; }

    /// <summary>What this silo's test handlers saw.</summary>
    public Probe Probe { get; } = new();

    /// <summary>A silo service (same process).</summary>
    public T Service<T>() where T : notnull => Services.GetRequiredService<T>();

    /// <summary>A client that sends the API key.</summary>
    public virtual HttpClient CreateApiClient()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        return client;
    }

    /// <summary>Settings of this kind of test silo, on top of the grain tests' common ones.</summary>
    protected virtual IEnumerable<KeyValuePair<string, string?>> ExtraSettings => [];

    /// <summary>Services of this kind of test silo, beside the test actions.</summary>
    protected virtual void ConfigureTestServices(IServiceCollection services)
    {
    }

    /// <summary>A client to wait for readiness with (TestServer's, unless the subclass serves on Kestrel).</summary>
    protected virtual HttpClient CreateReadinessClient() => CreateClient();

    /// <summary>Called once the host started, before the readiness wait.</summary>
    protected virtual void OnStarted()
    {
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.UseEnvironment("Testing");
        var settings = new Dictionary<string, string?>(TaskClusterFixture.CommonSettings)
        {
            ["OmniActors:Cluster:SiloPort"] = SiloPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["OmniActors:Cluster:GatewayPort"] = GatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["OmniActors:Api:RequireApiKey"] = "true",
            ["OmniActors:Api:ApiKeys:0"] = ApiKey,
        };
        foreach (var (key, value) in (_storage ?? throw new InvalidOperationException("Storage not prepared.")).Concat(ExtraSettings))
        {
            settings[key] = value;
        }
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
        builder.ConfigureServices(services =>
        {
            TaskClusterFixture.AddTestActions(services, Probe);
            ConfigureTestServices(services);
        });
    }

    public async Task InitializeAsync()
    {
        _storage = await TestStorage.PrepareAsync(Database);
        using (CreateClient())
        {
            // Creating a client starts the host (silo included).
        }
        OnStarted();
        using var client = CreateReadinessClient();
        await Eventually.Until(() => client.GetAsync(new Uri("/health/ready", UriKind.Relative)),
            r => r.StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(60), "the silo reports ready");
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        // After the host stopped: the silo lets go of the database first.
        await Database.DisposeAsync();
    }
}
