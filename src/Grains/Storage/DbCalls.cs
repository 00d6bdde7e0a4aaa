using System.Data.Common;
using OmniActors.Errors;

namespace OmniActors.Storage;

/// <summary>What the stores that talk to the database with plain commands share: binding a parameter, and turning a
/// driver's failure into our <see cref="StorageUnavailableException"/>.</summary>
internal static class DbCalls
{
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
