using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using OmniActors.Tests.Storage;
using OmniActors.Tests.Support;
using OmniActors.Tests.Shared;

namespace OmniActors.Tests.Events;

/// <summary>
/// The real silo app over real HTTP (TestServer) for the event fabric, on SQLite or PostgreSQL. A Telegram instance
/// <c>bot</c> (secret <see cref="TelegramSecret"/>) comes from configuration; ingest recovery runs every half second
/// for captures older than a second, so a test can leave one unprocessed and watch it come back.
/// </summary>
public abstract class EventFabricFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string ApiKey = "test-key";
    public const string TelegramInstance = "bot";
    public const string TelegramSecret = "tg-secret-123";
    public const long MaxBodyBytes = 64 * 1024;

    private readonly int _siloPort;
    private readonly int _gatewayPort;
    private IReadOnlyDictionary<string, string?>? _storage;

    protected EventFabricFactory() => (_siloPort, _gatewayPort) = LoopbackPorts.Pair();

    public Probe Probe { get; } = new();

    public abstract TempDatabase Database { get; }

    /// <summary>A client that sends the API key.</summary>
    public HttpClient CreateApiClient()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        return client;
    }

    /// <summary>A silo service (same process).</summary>
    public T Service<T>() where T : notnull => Services.GetRequiredService<T>();

    protected abstract Task<IReadOnlyDictionary<string, string?>> PrepareStorageAsync();

    protected abstract Task ReleaseStorageAsync();

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
            ["OmniActors:Webhooks:MaxBodyBytes"] = MaxBodyBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["OmniActors:Webhooks:RecoveryInterval"] = "00:00:00.500",
            ["OmniActors:Webhooks:RecoveryAge"] = "00:00:01",
            ["OmniActors:Webhooks:CleanupBatchSize"] = "100",
            ["OmniActors:Webhooks:Instances:0:Provider"] = "telegram",
            ["OmniActors:Webhooks:Instances:0:Instance"] = TelegramInstance,
            ["OmniActors:Webhooks:Instances:0:Secret"] = TelegramSecret,
        };
        foreach (var (key, value) in _storage ?? throw new InvalidOperationException("Storage not prepared."))
        {
            settings[key] = value;
        }
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
        builder.ConfigureServices(services => TaskClusterFixture.AddTestActions(services, Probe));
    }

    public async Task InitializeAsync()
    {
        _storage = await PrepareStorageAsync();
        using var client = CreateClient(); // Starts the host (silo included).
        await Eventually.Until(() => client.GetAsync(new Uri("/health/ready", UriKind.Relative)),
            r => r.StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(60), "the silo reports ready");
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await ReleaseStorageAsync();
    }
}

/// <summary>The event fabric on an embedded SQLite file.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "xunit disposes fixtures through IAsyncLifetime.DisposeAsync, which releases the database after the silo stopped.")]
public sealed class SqliteEventFabric : EventFabricFactory
{
    private readonly TempSqliteFile _file = new();

    public override TempDatabase Database => _file;

    protected override Task<IReadOnlyDictionary<string, string?>> PrepareStorageAsync() =>
        Task.FromResult<IReadOnlyDictionary<string, string?>>(new Dictionary<string, string?>
        {
            ["OmniActors:Storage:SqlitePath"] = _file.Path,
            ["OmniActors:Storage:SqliteSynchronousFull"] = "false",
        });

    protected override Task ReleaseStorageAsync()
    {
        _file.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>The event fabric on PostgreSQL (a throwaway database on the server named by OMNI_TEST_POSTGRES).</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "xunit disposes fixtures through IAsyncLifetime.DisposeAsync, which releases the database after the silo stopped.")]
public sealed class PostgresEventFabric : EventFabricFactory
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

    protected override Task ReleaseStorageAsync() => _database.DisposeAsync().AsTask();
}

[CollectionDefinition(Name)]
public sealed class SqliteEventFabricCollection : ICollectionFixture<SqliteEventFabric>
{
    public const string Name = "event fabric on sqlite";
}

[CollectionDefinition(Name)]
public sealed class PostgresEventFabricCollection : ICollectionFixture<PostgresEventFabric>
{
    public const string Name = "event fabric on postgresql";
}

/// <summary>A test class over the event fabric: a webhook client (no API key) and an API client, disposed with the class.</summary>
public abstract class EventFabricTest(EventFabricFactory factory) : IDisposable
{
    /// <summary>The silo under test, its database and services.</summary>
    protected EventFabricFactory Fabric { get; } = factory;

    /// <summary>Posts webhooks as a provider would: no API key.</summary>
    protected HttpClient Hooks { get; } = factory.CreateClient();

    /// <summary>Calls <c>/api</c> with the API key.</summary>
    protected HttpClient ApiClient { get; } = factory.CreateApiClient();

    public void Dispose()
    {
        Hooks.Dispose();
        ApiClient.Dispose();
        GC.SuppressFinalize(this);
    }
}
