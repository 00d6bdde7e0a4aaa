using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using OmniActors.Tests.Storage;
using OmniActors.Tests.Support;
using OmniActors.Tests.Shared;

namespace OmniActors.Tests.Lifecycle;

/// <summary>
/// The real silo app on real Kestrel (server-sent events and slow clients need a real socket), with the event log's
/// knobs turned small for tests: frequent heartbeats, a small per-client buffer. One per storage provider.
/// </summary>
public abstract class LifecycleSiloFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string ApiKey = "lifecycle-key";

    /// <summary>Events a listener may fall behind by before it is dropped.</summary>
    public const int ClientBufferSize = 256;

    /// <summary>How often idle streams get a heartbeat.</summary>
    public static readonly TimeSpan Heartbeat = TimeSpan.FromMilliseconds(300);

    private readonly int _siloPort;
    private readonly int _gatewayPort;
    private IReadOnlyDictionary<string, string?> _storage = new Dictionary<string, string?>();

    protected LifecycleSiloFactory()
    {
        (_siloPort, _gatewayPort) = LoopbackPorts.Pair();
        UseKestrel(0);
    }

    public Probe Probe { get; } = new();

    /// <summary>The database behind the silo, for checking rows directly.</summary>
    public abstract TempDatabase Database { get; }

    /// <summary>Where Kestrel listens.</summary>
    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    /// <summary>A plain client of the Kestrel endpoint (no test handlers that could buffer a streamed response), with the API key.</summary>
    public HttpClient CreateApiClient()
    {
        var client = CreateAnonymousClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        return client;
    }

    /// <summary>A plain client without the API key.</summary>
    public HttpClient CreateAnonymousClient() => new() { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(2) };

    protected abstract Task<IReadOnlyDictionary<string, string?>> PrepareStorageAsync();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.UseEnvironment("Testing");
        var settings = new Dictionary<string, string?>(TaskClusterFixture.CommonSettings)
        {
            ["OmniActors:Cluster:SiloPort"] = _siloPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["OmniActors:Cluster:GatewayPort"] = _gatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["OmniActors:Api:RequireApiKey"] = "true",
            ["OmniActors:Api:ApiKeys:0"] = ApiKey,
            ["OmniActors:EventLog:HeartbeatInterval"] = Heartbeat.ToString(),
            ["OmniActors:EventLog:ClientBufferSize"] = ClientBufferSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["OmniActors:EventLog:TailPollInterval"] = "00:00:00.500",
        };
        foreach (var (key, value) in _storage)
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
            ScopeCapture.AddTo(services);
        });
    }

    public async Task InitializeAsync()
    {
        _storage = await PrepareStorageAsync();
        using var client = CreateClient(); // Starts the host (silo included) on Kestrel.
        // Kestrel's own address (port 0 became a real one), not whatever the factory's client was given.
        var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        BaseAddress = new Uri(addresses.First(a => a.StartsWith("http://", StringComparison.Ordinal)).Replace("[::]", "127.0.0.1", StringComparison.Ordinal)
            .Replace("localhost", "127.0.0.1", StringComparison.Ordinal) + "/");
        using var direct = CreateAnonymousClient();
        await Eventually.Until(() => direct.GetAsync(new Uri("/health/ready", UriKind.Relative)),
            r => r.StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(60), "the silo reports ready");
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await Database.DisposeAsync();
    }
}

/// <summary>The silo on an embedded SQLite file.</summary>
public sealed class SqliteLifecycleSilo : LifecycleSiloFactory
{
    private readonly TempSqliteFile _file = new();

    public override TempDatabase Database => _file;

    protected override Task<IReadOnlyDictionary<string, string?>> PrepareStorageAsync() =>
        Task.FromResult<IReadOnlyDictionary<string, string?>>(new Dictionary<string, string?>
        {
            ["OmniActors:Storage:SqlitePath"] = _file.Path,
            ["OmniActors:Storage:SqliteSynchronousFull"] = "false",
        });
}

/// <summary>The silo on a throwaway PostgreSQL database.</summary>
public sealed class PostgresLifecycleSilo : LifecycleSiloFactory
{
    private readonly TempPostgresDatabase _database = new();

    public override TempDatabase Database => _database;

    protected override async Task<IReadOnlyDictionary<string, string?>> PrepareStorageAsync()
    {
        await _database.CreateAsync();
        return new Dictionary<string, string?>
        {
            ["OmniActors:Storage:Provider"] = "PostgreSql",
            ["OmniActors:Storage:ConnectionString"] = _database.ConnectionString,
        };
    }
}

[CollectionDefinition(Name)]
public sealed class SqliteLifecycleCollection : ICollectionFixture<SqliteLifecycleSilo>
{
    public const string Name = "lifecycle silo on sqlite";
}

[CollectionDefinition(Name)]
public sealed class PostgresLifecycleCollection : ICollectionFixture<PostgresLifecycleSilo>
{
    public const string Name = "lifecycle silo on postgresql";
}
