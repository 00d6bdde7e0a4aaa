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

    /// <summary>
    /// WAL lets readers run beside the single writer; synchronous decides what a power cut may take back.
    /// <paramref name="flushedByCaller"/>: the caller flushes the log after each commit itself
    /// (<see cref="SqliteWalFlush"/>), so the connection commits with NORMAL even when FULL is configured.
    /// </summary>
    public static void ApplyPragmas(SqliteConnection connection, StorageOptions options, bool flushedByCaller = false)
    {
        using var cmd = connection.CreateCommand();
        var full = options.SqliteSynchronousFull && !flushedByCaller;
        cmd.CommandText = $"PRAGMA journal_mode=WAL; PRAGMA synchronous={(full ? "FULL" : "NORMAL")}; PRAGMA busy_timeout=30000;";
        cmd.ExecuteNonQuery();
    }

    /// <summary>
    /// Opens a group commit's writer connection with its pragmas; the flush of its log when the group commit is to flush
    /// after each commit (<see cref="FlushedAfterCommit"/>) and SQLite opened a file; and the thread that checkpoints that
    /// file when <see cref="StorageOptions.SqliteCheckpointInterval"/> asks for one, the writer then checkpointing only as
    /// a backstop. Disposing the result disposes all three.
    /// </summary>
    public static SqliteWriter OpenWriter(StorageOptions options)
    {
        var flushed = FlushedAfterCommit(options);
        var connectionString = ConnectionString(options);
        var writer = new SqliteConnection(connectionString);
        writer.Open();
        ApplyPragmas(writer, options, flushedByCaller: flushed is not null);
        // The file SQLite itself opened (a URI or |DataDirectory| in a connection string resolves there); none for a
        // database it keeps in memory, which a URI can ask for where the connection string's own check cannot see it.
        var file = writer.DataSource;
        var onDisk = !string.IsNullOrEmpty(file);
        SqliteCheckpointer? checkpointer = null;
        if (onDisk && options.SqliteCheckpointInterval > TimeSpan.Zero)
        {
            using (var cmd = writer.CreateCommand())
            {
                cmd.CommandText = $"PRAGMA wal_autocheckpoint={SqliteCheckpointer.WriterBackstopPages}";
                cmd.ExecuteNonQuery();
            }
            checkpointer = new SqliteCheckpointer(connectionString, file, options.SqliteCheckpointInterval);
        }
        return new SqliteWriter(writer, flushed is null || !onDisk ? null : new SqliteWalFlush(file), checkpointer);
    }

    /// <summary>
    /// The file whose log a group commit (task store, event store) flushes itself, or null when it should let SQLite do it: the
    /// options ask for FULL and for flushing after commit, and the database is a file (an in-memory one has no log).
    /// </summary>
    public static string? FlushedAfterCommit(StorageOptions options)
    {
        if (!options.SqliteSynchronousFull || !options.SqliteFlushAfterCommit)
        {
            return null;
        }
        var builder = new SqliteConnectionStringBuilder(ConnectionString(options));
        var memory = builder.Mode == SqliteOpenMode.Memory || string.IsNullOrEmpty(builder.DataSource)
            || builder.DataSource.Equals(":memory:", StringComparison.Ordinal) || builder.DataSource.StartsWith("file::memory:", StringComparison.Ordinal);
        return memory ? null : Path.GetFullPath(builder.DataSource);
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

/// <summary>A group commit's SQLite writer and what serves it (see <see cref="SqliteDatabase.OpenWriter"/>).</summary>
internal sealed record SqliteWriter(SqliteConnection Connection, SqliteWalFlush? Flush, SqliteCheckpointer? Checkpointer) : IAsyncDisposable
{
    /// <summary>Stops the checkpoint thread, closes the writer, then the log's flush descriptor; a second call does no harm.</summary>
    public async ValueTask DisposeAsync()
    {
        Checkpointer?.Dispose();
        await Connection.DisposeAsync();
        Flush?.Dispose();
    }
}
