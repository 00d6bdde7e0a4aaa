using Microsoft.Data.Sqlite;

namespace OmniActors.Storage.Sqlite;

/// <summary>Opening and preparing the embedded SQLite file.</summary>
internal static class SqliteDatabase
{
    /// <summary>The connection string for the configured file (the folder is created).</summary>
    public static string ConnectionString(StorageOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            return options.ConnectionString;
        }
        var path = Path.GetFullPath(options.SqlitePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    /// <summary>WAL lets readers run beside the single writer; synchronous decides what a power cut may take back.</summary>
    public static void ApplyPragmas(SqliteConnection connection, StorageOptions options)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = $"PRAGMA journal_mode=WAL; PRAGMA synchronous={(options.SqliteSynchronousFull ? "FULL" : "NORMAL")}; PRAGMA busy_timeout=30000;";
        cmd.ExecuteNonQuery();
    }

    /// <summary>Applies the schema scripts the file lacks.</summary>
    public static async Task<IReadOnlyList<string>> InstallSchemaAsync(StorageOptions options, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection(ConnectionString(options));
        await connection.OpenAsync(cancellationToken);
        ApplyPragmas(connection, options);
        return await SchemaInstaller.ApplyAsync(connection, "sqlite", cancellationToken);
    }
}
