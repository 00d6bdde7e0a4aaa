using System.Data.Common;
using System.Reflection;
using Npgsql;
using Orleans.Hosting;
using Orleans.TestingHost;

namespace OmniActors.Tests.Storage;

/// <summary>
/// Two in-process silos and a client whose clustering, grain storage and reminders are Orleans' own ADO.NET providers
/// on a fresh PostgreSQL database created by our schema scripts. The database is dropped when the tests are done.
/// </summary>
public sealed class PostgresOrleansClusterFixture : OrleansClusterFixture
{
    /// <summary>The ADO.NET invariant Orleans maps to Npgsql's factory.</summary>
    public const string Invariant = "Npgsql";

    private readonly TempPostgresDatabase _database = new();

    /// <summary>The database the cluster uses, for checking rows directly.</summary>
    public override TempPostgresDatabase Database => _database;

    public string ClusterId => Cluster.Options.ClusterId;

    protected override string AdoNetInvariant => Invariant;

    protected override short SiloCount => 2;

    protected override async Task PrepareDatabaseAsync()
    {
        await _database.CreateAsync();
        await _database.ApplySchemaAsync();
    }

    /// <summary>Membership, gateways and the client go through the membership table too.</summary>
    protected override void ConfigureCluster(InProcessTestClusterBuilder builder, string invariant, string connectionString)
    {
        UseConfiguredMembership(builder.Options);
        builder.ConfigureSilo((_, silo) => silo.UseAdoNetClustering(o =>
        {
            o.Invariant = invariant;
            o.ConnectionString = connectionString;
        }));
        builder.ConfigureClient(client => client.UseAdoNetClustering(o =>
        {
            o.Invariant = invariant;
            o.ConnectionString = connectionString;
        }));
    }

    /// <summary>
    /// InProcessTestCluster registers its in-memory membership table (and gateway list, and grain directory) after
    /// our silo and client configuration, which would win over UseAdoNetClustering. The switch is internal in
    /// Orleans.TestingHost 10.4.2; turning it off leaves membership to the configured provider.
    /// </summary>
    private static void UseConfiguredMembership(InProcessTestClusterOptions options)
    {
        var property = typeof(InProcessTestClusterOptions).GetProperty(
            "UseTestClusterMembership", BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
            ?? throw new InvalidOperationException(
                "InProcessTestClusterOptions.UseTestClusterMembership is gone; find the new way to use real clustering.");
        property.SetValue(options, false);
    }
}

/// <summary>
/// A PostgreSQL database of its own (omni_test_&lt;guid&gt;) on the server named by OMNI_TEST_POSTGRES (a connection
/// string whose user may create databases; default: the local development server). Disposing drops it.
/// </summary>
public sealed class TempPostgresDatabase : TempDatabase
{
    public const string DefaultServer = "Host=127.0.0.1;Port=5432;Username=omni;Password=omni;Database=omni;Maximum Pool Size=20";

    private readonly string _serverConnectionString;
    private bool _created;

    public TempPostgresDatabase()
    {
        var server = Environment.GetEnvironmentVariable("OMNI_TEST_POSTGRES");
        _serverConnectionString = string.IsNullOrWhiteSpace(server) ? DefaultServer : server;
        Name = "omni_test_" + Guid.NewGuid().ToString("N");
        ConnectionString = new NpgsqlConnectionStringBuilder(_serverConnectionString) { Database = Name }.ToString();
    }

    /// <summary>The database name.</summary>
    public string Name { get; }

    public override string ConnectionString { get; }

    public override string Dialect => "postgresql";

    public async Task CreateAsync()
    {
        await using var connection = new NpgsqlConnection(_serverConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"CREATE DATABASE \"{Name}\"";
        await command.ExecuteNonQueryAsync();
        _created = true;
    }

    /// <summary>A database of its own with the product's schema applied.</summary>
    public static async Task<TempPostgresDatabase> WithSchemaAsync()
    {
        var database = new TempPostgresDatabase();
        try
        {
            await database.CreateAsync();
            await database.ApplySchemaAsync();
            return database;
        }
        catch
        {
            await database.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// The plan of <paramref name="sql"/> (its parameters already replaced by literals) with sequential scans off, its lines
    /// joined by " | ": on a test's small tables every read would be a scan, so this shows which index would serve.
    /// </summary>
    public async Task<string> PlanAsync(string sql) =>
        string.Join(" | ", (await RowsAsync("SET enable_seqscan = off; EXPLAIN (FORMAT TEXT) " + sql)).Select(row => row[0]));

    public async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    public override async ValueTask DisposeAsync()
    {
        if (!_created)
        {
            return;
        }
        // Idle pooled connections to the database would block the drop; FORCE ends any other session.
        using (var pooled = new NpgsqlConnection(ConnectionString))
        {
            NpgsqlConnection.ClearPool(pooled);
        }
        await using var connection = new NpgsqlConnection(_serverConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)";
        await command.ExecuteNonQueryAsync();
        _created = false;
    }

    protected override async Task<DbConnection> OpenConnectionAsync() => await OpenAsync();
}
