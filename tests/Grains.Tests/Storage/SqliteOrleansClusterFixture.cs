using Microsoft.Data.Sqlite;
using OmniActors.Storage;
using Orleans.Hosting;
using Orleans.TestingHost;

namespace OmniActors.Tests.Storage;

/// <summary>
/// One in-process silo whose grain storage and reminders are Orleans' own ADO.NET providers on a SQLite file in a
/// temp folder, created by our schema scripts. The folder is deleted when the tests are done.
/// </summary>
public sealed class SqliteOrleansClusterFixture : IAsyncLifetime, IDisposable
{
    /// <summary>The ADO.NET invariant Orleans maps to Microsoft.Data.Sqlite's factory.</summary>
    public const string Invariant = "System.Data.SQLite";
    public const string StorageName = "omni";
    public const string DeletingStorageName = "omni-delete";

    private readonly TempSqliteFile _file = new();
    private InProcessTestCluster? _cluster;

    /// <summary>The SQLite file the silo uses, for checking rows directly.</summary>
    public TempSqliteFile Database => _file;

    public string ConnectionString => _file.ConnectionString;

    public InProcessTestCluster Cluster => _cluster ?? throw new InvalidOperationException("The cluster is not deployed.");

    public IClusterClient Client => Cluster.Client;

    public string ServiceId => Cluster.Options.ServiceId;

    public async Task InitializeAsync()
    {
        await _file.ApplySchemaAsync();
        var connectionString = ConnectionString;
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddAdoNetGrainStorage(StorageName, o =>
            {
                o.Invariant = Invariant;
                o.ConnectionString = connectionString;
            });
            silo.AddAdoNetGrainStorage(DeletingStorageName, o =>
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
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    // xunit calls this after DisposeAsync, once the silo has let go of the file.
    public void Dispose() => _file.Dispose();
}

/// <summary>A SQLite file in its own temp folder; disposing deletes the folder.</summary>
public sealed class TempSqliteFile : IDisposable, Support.ITestDatabase
{
    private readonly string _directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "omni-tests-" + Guid.NewGuid().ToString("N"));

    public TempSqliteFile()
    {
        Directory.CreateDirectory(_directory);
        Path = System.IO.Path.Combine(_directory, "omni.db");
        ConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    public string ConnectionString { get; }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <summary>Switches the file to WAL (outside any transaction, as SQLite requires) and applies our scripts.</summary>
    public async Task<IReadOnlyList<string>> ApplySchemaAsync()
    {
        await using var connection = await OpenAsync();
        await using (var wal = connection.CreateCommand())
        {
            wal.CommandText = "PRAGMA journal_mode=WAL;";
            await wal.ExecuteNonQueryAsync();
        }
        return await SchemaInstaller.ApplyAsync(connection, "sqlite");
    }

    public async Task<SqliteConnection> OpenAsync()
    {
        var connection = new SqliteConnection(ConnectionString);
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

    private static SqliteCommand Command(SqliteConnection connection, string sql, (string Name, object Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        return command;
    }

    public void Dispose()
    {
        // Pooled connections keep the file (and its -wal/-shm) open.
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}
