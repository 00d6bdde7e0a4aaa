namespace OmniActors.Tests.Storage;

/// <summary>Points a test silo at a throwaway database.</summary>
public static class TestStorage
{
    /// <summary>Readies the database (creates a PostgreSQL one; SQLite makes its file on first use) and returns the
    /// storage settings that point a silo at it.</summary>
    public static async Task<IReadOnlyDictionary<string, string?>> PrepareAsync(TempDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        switch (database)
        {
            case TempSqliteFile file:
                return new Dictionary<string, string?>
                {
                    ["OmniActors:Storage:SqlitePath"] = file.Path,
                    // Tests need not survive power loss; FULL would make every commit wait on the disk.
                    ["OmniActors:Storage:SqliteSynchronousFull"] = "false",
                };
            case TempPostgresDatabase postgres:
                await postgres.CreateAsync();
                return new Dictionary<string, string?>
                {
                    ["OmniActors:Storage:Provider"] = "PostgreSql",
                    ["OmniActors:Storage:ConnectionString"] = postgres.ConnectionString,
                };
            case Tracing.ClusterPeerDatabase peer:
                // Another silo of the same cluster: the database is the owner's, already created.
                return new Dictionary<string, string?>
                {
                    ["OmniActors:Storage:Provider"] = "PostgreSql",
                    ["OmniActors:Storage:ConnectionString"] = peer.ConnectionString,
                };
            default:
                throw new ArgumentException($"No test storage settings for {database.GetType().Name}.", nameof(database));
        }
    }
}
