using Npgsql;

namespace OmniActors.Storage.Postgres;

/// <summary>Applies the PostgreSQL scripts; an advisory lock lets several silos start at once without racing.</summary>
internal static class PostgresSchema
{
    // Arbitrary, fixed: the advisory-lock key every OmniActors silo uses for schema changes.
    private const long LockKey = 0x4F6D6E6941637472;

    public static async Task<IReadOnlyList<string>> InstallAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using (var lockCmd = new NpgsqlCommand("SELECT pg_advisory_lock(@k)", connection))
        {
            lockCmd.Parameters.AddWithValue("k", LockKey);
            await lockCmd.ExecuteNonQueryAsync(cancellationToken);
        }
        try
        {
            return await SchemaInstaller.ApplyAsync(connection, "postgresql", cancellationToken);
        }
        finally
        {
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock(@k)", connection);
            unlock.Parameters.AddWithValue("k", LockKey);
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }
}
