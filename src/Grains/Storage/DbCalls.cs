using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OmniActors.Errors;
using OmniActors.Storage.Postgres;
using OmniActors.Storage.Sqlite;

namespace OmniActors.Storage;

/// <summary>What the stores that talk to the database with plain commands share: binding a parameter, and turning a
/// driver's failure into our <see cref="StorageUnavailableException"/>.</summary>
internal static class DbCalls
{
    /// <summary>
    /// Opens a connection to the configured storage: PostgreSQL's shared pool, or a pooled SQLite reader connection.
    /// <paramref name="isPostgres"/> says which it is.
    /// </summary>
    public static Func<CancellationToken, Task<DbConnection>> Opener(IServiceProvider services, out bool isPostgres)
    {
        ArgumentNullException.ThrowIfNull(services);
        var storage = services.GetRequiredService<IOptions<StorageOptions>>().Value;
        isPostgres = storage.IsPostgres;
        if (isPostgres)
        {
            var source = services.GetRequiredService<PostgresDataSource>().Source;
            return async ct => await source.OpenConnectionAsync(ct);
        }
        var connectionString = SqliteDatabase.ConnectionString(storage);
        return async ct =>
        {
            var connection = new SqliteConnection(connectionString);
            await connection.OpenAsync(ct);
            return connection;
        };
    }

    /// <summary>Runs <paramref name="work"/>; a database failure becomes "<paramref name="subject"/> could not be <paramref name="what"/>".</summary>
    public static async Task GuardAsync(Func<Task> work, string subject, string what)
    {
        ArgumentNullException.ThrowIfNull(work);
        try
        {
            await work();
        }
        catch (DbException ex)
        {
            throw new StorageUnavailableException($"{subject} could not be {what}: {ex.Message}");
        }
        catch (InvalidOperationException ex) when (ex.InnerException is DbException or System.Net.Sockets.SocketException)
        {
            throw new StorageUnavailableException($"{subject} could not be reached: {ex.Message}");
        }
    }

    /// <summary>Adds a parameter to <paramref name="cmd"/>.</summary>
    public static void Add(DbCommand cmd, string name, object value)
    {
        ArgumentNullException.ThrowIfNull(cmd);
        var p = cmd.CreateParameter();
        p.ParameterName = name;
        p.Value = value;
        cmd.Parameters.Add(p);
    }
}
