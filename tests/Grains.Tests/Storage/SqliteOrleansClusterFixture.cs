using System.Data.Common;
using Microsoft.Data.Sqlite;
using OmniActors.Storage;

namespace OmniActors.Tests.Storage;

/// <summary>
/// One in-process silo whose grain storage and reminders are Orleans' own ADO.NET providers on a SQLite file in a
/// temp folder, created by our schema scripts. The folder is deleted when the tests are done.
/// </summary>
public sealed class SqliteOrleansClusterFixture : OrleansClusterFixture
{
    /// <summary>The ADO.NET invariant Orleans maps to Microsoft.Data.Sqlite's factory.</summary>
    public const string Invariant = "System.Data.SQLite";

    private readonly TempSqliteFile _file = new();

    /// <summary>The SQLite file the silo uses, for checking rows directly.</summary>
    public override TempSqliteFile Database => _file;

    protected override string AdoNetInvariant => Invariant;

    protected override short SiloCount => 1;

    protected override Task PrepareDatabaseAsync() => _file.ApplySchemaAsync();
}

/// <summary>A SQLite file in its own temp folder; disposing deletes the folder.</summary>
public sealed class TempSqliteFile : TempDatabase, IDisposable
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

    public override string ConnectionString { get; }

    public override string Dialect => "sqlite";

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <summary>Switches the file to WAL (outside any transaction, as SQLite requires) and applies our scripts.</summary>
    public override async Task<IReadOnlyList<string>> ApplySchemaAsync()
    {
        await using var connection = await OpenAsync();
        await using (var wal = connection.CreateCommand())
        {
            wal.CommandText = "PRAGMA journal_mode=WAL;";
            await wal.ExecuteNonQueryAsync();
        }
        return await SchemaInstaller.ApplyAsync(connection, Dialect);
    }

    /// <summary>SQLite's plan for <paramref name="sql"/> (<c>EXPLAIN QUERY PLAN</c>), its steps' details joined by " | ".</summary>
    public async Task<string> PlanAsync(string sql, params (string Name, object Value)[] parameters)
    {
        var plan = await RowsAsync("EXPLAIN QUERY PLAN " + sql, parameters);
        return string.Join(" | ", plan.Select(row => row[^1]));
    }

    public async Task<SqliteConnection> OpenAsync()
    {
        var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    public void Dispose()
    {
        // Pooled connections keep the file (and its -wal/-shm) open.
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    public override ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    protected override async Task<DbConnection> OpenConnectionAsync() => await OpenAsync();
}
