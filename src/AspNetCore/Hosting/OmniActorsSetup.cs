using OmniActors.Silo.Api;
using OmniActors.Storage;

namespace OmniActors.Silo.Hosting;

/// <summary>
/// The settings an app gives <c>AddOmniActors</c> in code. They are defaults under the <c>OmniActors</c> configuration
/// section: appsettings and environment variables still override them, so an operator can point the same build at
/// PostgreSQL or other ports without a rebuild.
/// </summary>
public sealed class OmniActorsSetup
{
    private readonly Dictionary<string, string?> _defaults = new(StringComparer.OrdinalIgnoreCase);
    private int _apiKeys;

    /// <summary>The configuration keys set so far (e.g. <c>OmniActors:Storage:Provider</c>).</summary>
    public IReadOnlyDictionary<string, string?> Defaults => _defaults;

    /// <summary>Embedded mode: one silo on localhost, tasks and state in the SQLite file at <paramref name="path"/>.</summary>
    public OmniActorsSetup UseSqlite(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return Set(StorageOptions.Section + ":Provider", StorageOptions.Sqlite).Set(StorageOptions.Section + ":SqlitePath", path);
    }

    /// <summary>Cluster mode: every silo (and worker) on the same PostgreSQL database forms one cluster.</summary>
    public OmniActorsSetup UsePostgreSql(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return Set(StorageOptions.Section + ":Provider", StorageOptions.PostgreSql).Set(StorageOptions.Section + ":ConnectionString", connectionString);
    }

    /// <summary>The silo-to-silo and Orleans gateway ports (defaults 11111 and 30000).</summary>
    public OmniActorsSetup UsePorts(int siloPort, int gatewayPort)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(siloPort);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(gatewayPort);
        return Set(OmniClusterOptions.Section + ":SiloPort", siloPort.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Set(OmniClusterOptions.Section + ":GatewayPort", gatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>A key the HTTP API accepts (header <c>X-Api-Key</c> or a bearer token); outside Development one is required.</summary>
    public OmniActorsSetup AddApiKey(string key)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        return Set($"{ApiOptions.Section}:ApiKeys:{_apiKeys++}", key);
    }

    /// <summary>Any other setting, by its configuration key (<c>OmniActors:Runner:MaxConcurrency</c>, …).</summary>
    public OmniActorsSetup Set(string key, string? value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        if (!key.StartsWith("OmniActors:", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"'{key}' is not an OmniActors setting (they start with 'OmniActors:').", nameof(key));
        }
        _defaults[key] = value;
        return this;
    }
}
