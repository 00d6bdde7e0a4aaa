using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using OmniActors.Tests.Storage;
using OmniActors.Tests.Support;

namespace OmniActors.Tests.Lifecycle;

/// <summary>
/// The real silo app on real Kestrel (server-sent events and slow clients need a real socket), with the event log's
/// knobs turned small for tests: frequent heartbeats, a small per-client buffer. One per storage provider.
/// </summary>
public abstract class LifecycleSiloFactory : SiloAppFactory
{
    /// <summary>Events a listener may fall behind by before it is dropped.</summary>
    public const int ClientBufferSize = 256;

    /// <summary>How often idle streams get a heartbeat.</summary>
    public static readonly TimeSpan Heartbeat = TimeSpan.FromMilliseconds(300);

    protected LifecycleSiloFactory(TempDatabase database) : base(database, "lifecycle-key") => UseKestrel(0);

    /// <summary>Where Kestrel listens.</summary>
    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    /// <summary>A plain client of the Kestrel endpoint (no test handlers that could buffer a streamed response), with the API key.</summary>
    public override HttpClient CreateApiClient()
    {
        var client = CreateAnonymousClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        return client;
    }

    /// <summary>A plain client without the API key.</summary>
    public HttpClient CreateAnonymousClient() => new() { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(2) };

    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings => new Dictionary<string, string?>
    {
        ["OmniActors:EventLog:HeartbeatInterval"] = Heartbeat.ToString(),
        ["OmniActors:EventLog:ClientBufferSize"] = ClientBufferSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["OmniActors:EventLog:TailPollInterval"] = "00:00:00.500",
    };

    protected override void ConfigureTestServices(IServiceCollection services) => ScopeCapture.AddTo(services);

    protected override void OnStarted()
    {
        // Kestrel's own address (port 0 became a real one), not whatever the factory's client was given.
        var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        BaseAddress = new Uri(addresses.First(a => a.StartsWith("http://", StringComparison.Ordinal)).Replace("[::]", "127.0.0.1", StringComparison.Ordinal)
            .Replace("localhost", "127.0.0.1", StringComparison.Ordinal) + "/");
    }

    protected override HttpClient CreateReadinessClient() => CreateAnonymousClient();
}

/// <summary>The silo on an embedded SQLite file.</summary>
public sealed class SqliteLifecycleSilo() : LifecycleSiloFactory(new TempSqliteFile());

/// <summary>The silo on a throwaway PostgreSQL database.</summary>
public sealed class PostgresLifecycleSilo() : LifecycleSiloFactory(new TempPostgresDatabase());

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
