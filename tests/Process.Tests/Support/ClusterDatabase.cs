using System.Globalization;
using Npgsql;

namespace OmniActors.Tests.Support;

/// <summary>A silo row of the Orleans membership table.</summary>
public sealed record Member(string Address, int Port, int Generation, int Status)
{
    /// <summary>Orleans' <c>SiloStatus.Active</c>.</summary>
    public const int Active = 3;

    /// <summary>Orleans' <c>SiloStatus.Dead</c>.</summary>
    public const int Dead = 6;
}

/// <summary>A task row as the tests read it from <c>omni_tasks</c>.</summary>
public sealed record TaskRow(string Id, string Status, int Attempt);

/// <summary>
/// One test's database on a <see cref="PrivatePostgres"/>: the settings that put silos in cluster mode on it, and
/// the queries the tests check the cluster with (membership, task rows). The test's own connections are not pooled,
/// so a server restart never leaves the test holding a broken connection.
/// </summary>
public sealed class ClusterDatabase(PrivatePostgres server, string name)
{
    /// <summary>The database name.</summary>
    public string Name { get; } = name;

    /// <summary>What the silos connect with (a pool each, well under the server's connection limit).</summary>
    public string SiloConnectionString { get; } = server.ConnectionString(name, PrivatePostgres.SiloRole, pooling: true);

    private string TestConnectionString { get; } = server.ConnectionString(name, PrivatePostgres.SiloRole, pooling: false);

    /// <summary>Cluster mode, by configuration only, plus <paramref name="more"/>.</summary>
    public Dictionary<string, string> SiloSettings(IReadOnlyDictionary<string, string> more)
    {
        ArgumentNullException.ThrowIfNull(more);
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["OmniActors:Storage:Provider"] = "PostgreSql",
            ["OmniActors:Storage:ConnectionString"] = SiloConnectionString,
            // Tests talk over loopback only: silos advertise 127.0.0.1 rather than the host's interface address.
            ["OmniActors:Cluster:AdvertisedIPAddress"] = "127.0.0.1",
        };
        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }
        return settings;
    }

    /// <summary>The first column of the first row of <paramref name="sql"/>, as a number.</summary>
    public async Task<long> CountAsync(string sql)
    {
        await using var connection = await OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    /// <summary>Runs <paramref name="sql"/> (one or more statements).</summary>
    public async Task ExecuteAsync(string sql)
    {
        await using var connection = await OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>Every row of <paramref name="sql"/>, read by <paramref name="read"/>.</summary>
    public async Task<IReadOnlyList<T>> QueryAsync<T>(string sql, Func<NpgsqlDataReader, T> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        var rows = new List<T>();
        await using var connection = await OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(read(reader));
        }
        return rows;
    }

    /// <summary>Every row of the Orleans membership table.</summary>
    public async Task<IReadOnlyList<Member>> MembersAsync()
    {
        var members = new List<Member>();
        await using var connection = await OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT address, port, generation, status FROM OrleansMembershipTable", connection);
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            members.Add(new Member(reader.GetString(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetInt32(3)));
        }
        return members;
    }

    /// <summary>Every task row.</summary>
    public async Task<IReadOnlyDictionary<string, TaskRow>> TasksAsync()
    {
        var rows = new Dictionary<string, TaskRow>(StringComparer.Ordinal);
        await using var connection = await OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT id, status, attempt FROM omni_tasks", connection);
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows[reader.GetString(0)] = new TaskRow(reader.GetString(0), reader.GetString(1), reader.GetInt32(2));
        }
        return rows;
    }

    /// <summary>Task counts by status with a few ids of the unfinished ones, e.g. <c>running 2 [k1f..#1 k2e..#1], succeeded 4998</c>.</summary>
    public async Task<string> StatusSummaryAsync()
    {
        var tasks = await TasksAsync();
        // A few ids of each unfinished status, to look up in the silo logs.
        return tasks.Count == 0 ? "no tasks" : string.Join(", ", tasks.Values.GroupBy(t => t.Status).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.Key == "succeeded" ? $"{g.Key} {g.Count()}" : $"{g.Key} {g.Count()} [{string.Join(' ', g.Take(3).Select(t => $"{t.Id}#{t.Attempt}"))}]"));
    }

    /// <summary>
    /// Polls <paramref name="condition"/> until it holds; throws a <see cref="TimeoutException"/> naming
    /// <paramref name="what"/> and the task status counts after <paramref name="within"/>. A query failing (the
    /// server restarting) counts as not yet.
    /// </summary>
    public async Task WaitUntilAsync(Func<ClusterDatabase, Task<bool>> condition, TimeSpan within, string what)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = DateTimeOffset.UtcNow + within;
        Exception? last = null;
        while (true)
        {
            try
            {
                if (await condition(this))
                {
                    return;
                }
                last = null;
            }
            catch (NpgsqlException ex)
            {
                last = ex;
            }
            if (DateTimeOffset.UtcNow >= deadline)
            {
                var state = last is null ? await StatusSummaryAsync() : $"last query failed: {last.Message}";
                throw new TimeoutException($"Not {what} within {within} ({state}).");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }
    }

    /// <summary>Waits until exactly the silos listening on <paramref name="ports"/> are Active in the membership table.</summary>
    public Task WaitUntilActiveAsync(IReadOnlyCollection<int> ports, TimeSpan within) =>
        WaitUntilAsync(async db =>
        {
            var active = (await db.MembersAsync()).Where(m => m.Status == Member.Active).Select(m => m.Port).ToHashSet();
            return active.SetEquals(ports);
        }, within, $"exactly the silos on ports {string.Join(", ", ports)} Active in OrleansMembershipTable");

    private async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(TestConnectionString);
        await connection.OpenAsync();
        return connection;
    }
}
