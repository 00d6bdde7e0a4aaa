using Npgsql;

namespace OmniActors.Deploy.Tests.Support;

/// <summary>
/// The PostgreSQL server the script tests use: <c>OMNI_TEST_POSTGRES</c> (an Npgsql connection string whose user may
/// CREATE DATABASE), default the local development server. Each test works in a throwaway database.
/// </summary>
public static class PostgresTestServer
{
    public const string DefaultConnectionString = "Host=127.0.0.1;Port=5432;Username=omni;Password=omni;Database=omni";

    public static string BaseConnectionString =>
        Environment.GetEnvironmentVariable("OMNI_TEST_POSTGRES") is { Length: > 0 } configured ? configured : DefaultConnectionString;

    private static readonly Lazy<string?> UnavailableReason = new(Probe);

    /// <summary>Why the tests cannot run here (no psql, no server), or null.</summary>
    public static string? Unavailable => UnavailableReason.Value;

    private static string? Probe()
    {
        if (!Processes.OnPath("psql"))
        {
            return "psql is not installed (postgresql-client)";
        }
        var builder = new NpgsqlConnectionStringBuilder(BaseConnectionString) { Timeout = 3, Pooling = false };
        try
        {
            using var connection = new NpgsqlConnection(builder.ConnectionString);
            connection.Open();
            return null;
        }
        catch (Exception e) when (e is NpgsqlException or System.Net.Sockets.SocketException or TimeoutException or InvalidOperationException)
        {
            return $"PostgreSQL at {builder.Host}:{builder.Port} (OMNI_TEST_POSTGRES) is not reachable: {e.Message}";
        }
    }
}

/// <summary>A test that needs <see cref="PostgresTestServer"/>: it fails (never skips) with the reason where the server is absent;
/// <c>./test.sh</c> installs and starts one.</summary>
public sealed class PostgresFactAttribute : FactAttribute;

/// <summary>A test that needs the sqlite3 shell (Debian's sqlite3, on every machine of this kind).</summary>
public sealed class Sqlite3FactAttribute : FactAttribute;

/// <summary>Preconditions that fail a test with a clear reason instead of skipping it.</summary>
public static class Require
{
    public static void Postgres()
    {
        if (PostgresTestServer.Unavailable is { } reason)
        {
            Assert.Fail(reason + " — run the suite through ./test.sh, which installs and starts PostgreSQL.");
        }
    }

    public static void Sqlite3Shell()
    {
        if (!Processes.OnPath("sqlite3"))
        {
            Assert.Fail("the sqlite3 shell is not installed (apt-get install sqlite3).");
        }
    }
}

/// <summary>A fresh database, dropped on dispose.</summary>
public sealed class ThrowawayDatabase : IAsyncDisposable
{
    private ThrowawayDatabase(string name, string connectionString)
    {
        Name = name;
        ConnectionString = connectionString;
    }

    public string Name { get; }

    /// <summary>Npgsql connection string of the new database (no pooling, so dropping it is never blocked).</summary>
    public string ConnectionString { get; }

    public NpgsqlConnectionStringBuilder Builder => new(ConnectionString);

    public static async Task<ThrowawayDatabase> CreateAsync()
    {
        var name = "omni_deploy_test_" + Guid.NewGuid().ToString("N")[..12];
        await AdminAsync($"CREATE DATABASE {name}");
        var builder = new NpgsqlConnectionStringBuilder(PostgresTestServer.BaseConnectionString) { Database = name, Pooling = false };
        return new ThrowawayDatabase(name, builder.ConnectionString);
    }

    /// <summary>libpq variables for the same database (what the script's PG* mode reads).</summary>
    public Dictionary<string, string> LibpqEnvironment()
    {
        var b = Builder;
        return new Dictionary<string, string>
        {
            ["PGHOST"] = b.Host ?? "127.0.0.1",
            ["PGPORT"] = b.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["PGUSER"] = b.Username ?? "",
            ["PGPASSWORD"] = b.Password ?? "",
            ["PGDATABASE"] = Name,
        };
    }

    public async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    public async Task<List<(int Version, string Name, string AppliedAt)>> SchemaVersionsAsync()
    {
        await using var connection = await OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT version, name, applied_at FROM omni_schema_version ORDER BY version", connection);
        await using var reader = await cmd.ExecuteReaderAsync();
        var rows = new List<(int, string, string)>();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetInt32(0), reader.GetString(1), reader.GetString(2)));
        }
        return rows;
    }

    public async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = await OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        var value = await cmd.ExecuteScalarAsync();
        return value is DBNull ? null : value;
    }

    public async ValueTask DisposeAsync() => await AdminAsync($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)");

    private static async Task AdminAsync(string sql)
    {
        var builder = new NpgsqlConnectionStringBuilder(PostgresTestServer.BaseConnectionString) { Pooling = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        await cmd.ExecuteNonQueryAsync();
    }
}
