using System.Reflection;
using Npgsql;
using OmniActors.Storage;
using Orleans.Hosting;
using Orleans.TestingHost;

namespace OmniActors.Tests.Storage;

/// <summary>
/// Two in-process silos and a client whose clustering, grain storage and reminders are Orleans' own ADO.NET providers
/// on a fresh PostgreSQL database created by our schema scripts. The database is dropped when the tests are done.
/// </summary>
public sealed class PostgresOrleansClusterFixture : IAsyncLifetime, IAsyncDisposable
{
    /// <summary>The ADO.NET invariant Orleans maps to Npgsql's factory.</summary>
    public const string Invariant = "Npgsql";

    private readonly TempPostgresDatabase _database = new();
    private InProcessTestCluster? _cluster;

    /// <summary>The database the cluster uses, for checking rows directly.</summary>
    public TempPostgresDatabase Database => _database;

    public InProcessTestCluster Cluster => _cluster ?? throw new InvalidOperationException("The cluster is not deployed.");

    public IClusterClient Client => Cluster.Client;

    public string ServiceId => Cluster.Options.ServiceId;

    public string ClusterId => Cluster.Options.ClusterId;

    public async Task InitializeAsync()
    {
        await _database.CreateAsync();
        await _database.ApplySchemaAsync();
        var connectionString = _database.ConnectionString;
        var builder = new InProcessTestClusterBuilder(2);
        UseConfiguredMembership(builder.Options);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.UseAdoNetClustering(o =>
            {
                o.Invariant = Invariant;
                o.ConnectionString = connectionString;
            });
            // The probe grains name these providers (see StorageProbeGrains.cs).
            silo.AddAdoNetGrainStorage(SqliteOrleansClusterFixture.StorageName, o =>
            {
                o.Invariant = Invariant;
                o.ConnectionString = connectionString;
            });
            silo.AddAdoNetGrainStorage(SqliteOrleansClusterFixture.DeletingStorageName, o =>
            {
                o.Invariant = Invariant;
                o.ConnectionString = connectionString;
                o.DeleteStateOnClear = true;
            });
            silo.UseAdoNetReminderService(o =>
            {
                o.Invariant = Invariant;
                o.ConnectionString = connectionString;
            });
        });
        builder.ConfigureClient(client => client.UseAdoNetClustering(o =>
        {
            o.Invariant = Invariant;
            o.ConnectionString = connectionString;
        }));
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    /// <summary>Stops the cluster, then drops the database; safe to call twice.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
            _cluster = null;
        }
        await _database.DisposeAsync();
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
public sealed class TempPostgresDatabase : IAsyncDisposable, Support.ITestDatabase
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

    public string ConnectionString { get; }

    public async Task CreateAsync()
    {
        await using var connection = new NpgsqlConnection(_serverConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"CREATE DATABASE \"{Name}\"";
        await command.ExecuteNonQueryAsync();
        _created = true;
    }

    /// <summary>Applies our scripts; returns the names applied.</summary>
    public async Task<IReadOnlyList<string>> ApplySchemaAsync()
    {
        await using var connection = await OpenAsync();
        return await SchemaInstaller.ApplyAsync(connection, "postgresql");
    }

    public async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>Runs a query and returns the first column of the first row (null when there is none).</summary>
    public async Task<object?> ScalarAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = await OpenAsync();
        await using var command = Command(connection, sql, parameters);
        var result = await command.ExecuteScalarAsync();
        return result is DBNull ? null : result;
    }

    /// <summary>Runs statements (one or many) and returns the rows they changed.</summary>
    public async Task<int> ExecuteAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = await OpenAsync();
        await using var command = Command(connection, sql, parameters);
        return await command.ExecuteNonQueryAsync();
    }

    /// <summary>Runs a query and returns every row as an array of column values.</summary>
    public async Task<IReadOnlyList<object?[]>> RowsAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = await OpenAsync();
        await using var command = Command(connection, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<object?[]>();
        while (await reader.ReadAsync())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }
            rows.Add(row);
        }
        return rows;
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, string sql, (string Name, object Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        return command;
    }

    public async ValueTask DisposeAsync()
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
}
