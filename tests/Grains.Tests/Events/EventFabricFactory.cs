using OmniActors.Tests.Storage;
using OmniActors.Tests.Support;

namespace OmniActors.Tests.Events;

/// <summary>
/// The real silo app over real HTTP (TestServer) for the event fabric, on SQLite or PostgreSQL. A Telegram instance
/// <c>bot</c> (secret <see cref="TelegramSecret"/>) comes from configuration; ingest recovery runs every half second
/// for captures older than a second, so a test can leave one unprocessed and watch it come back.
/// </summary>
public abstract class EventFabricFactory(TempDatabase database) : SiloAppFactory(database, "test-key")
{
    public const string TelegramInstance = "bot";
    public const string TelegramSecret = "tg-secret-123";
    public const long MaxBodyBytes = 64 * 1024;

    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings => new Dictionary<string, string?>
    {
        ["OmniActors:Webhooks:MaxBodyBytes"] = MaxBodyBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["OmniActors:Webhooks:RecoveryInterval"] = "00:00:00.500",
        ["OmniActors:Webhooks:RecoveryAge"] = "00:00:01",
        ["OmniActors:Webhooks:CleanupBatchSize"] = "100",
        ["OmniActors:Webhooks:Instances:0:Provider"] = "telegram",
        ["OmniActors:Webhooks:Instances:0:Instance"] = TelegramInstance,
        ["OmniActors:Webhooks:Instances:0:Secret"] = TelegramSecret,
    };
}

/// <summary>The event fabric on an embedded SQLite file.</summary>
public sealed class SqliteEventFabric() : EventFabricFactory(new TempSqliteFile());

/// <summary>The event fabric on PostgreSQL (a throwaway database on the server named by OMNI_TEST_POSTGRES).</summary>
public sealed class PostgresEventFabric() : EventFabricFactory(new TempPostgresDatabase());

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
