using System.Data.Common;
using System.Reflection;

namespace OmniActors.Storage;

/// <summary>
/// Applies the versioned SQL scripts under <c>deploy/sql/{dialect}/</c> (embedded in this assembly) in order.
/// Each script is named <c>NNNN_description.sql</c>, is idempotent on its own, and is recorded in
/// <c>omni_schema_version</c> once applied, so a second run applies nothing and an old database is upgraded
/// by the scripts it lacks.
/// </summary>
public static class SchemaInstaller
{
    private const string ResourcePrefix = "OmniActors.Sql.";

    /// <summary>The scripts of a dialect (<c>sqlite</c> or <c>postgresql</c>), ordered by version.</summary>
    public static IReadOnlyList<(int Version, string Name, string Sql)> Scripts(string dialect)
    {
        var assembly = typeof(SchemaInstaller).Assembly;
        var prefix = ResourcePrefix + dialect + "/";
        var scripts = new List<(int, string, string)>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            var normalized = resource.Replace('\\', '/');
            if (!normalized.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }
            var name = normalized[prefix.Length..];
            var underscore = name.IndexOf('_', StringComparison.Ordinal);
            if (underscore <= 0 || !int.TryParse(name[..underscore], out var version))
            {
                throw new InvalidOperationException($"SQL script '{name}' must be named NNNN_description.sql.");
            }
            scripts.Add((version, name, Read(assembly, resource)));
        }
        return scripts.OrderBy(s => s.Item1).ToList();
    }

    /// <summary>Applies the scripts the database has not seen yet; returns the names applied.</summary>
    public static async Task<IReadOnlyList<string>> ApplyAsync(DbConnection connection, string dialect, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await ExecuteAsync(connection, null,
            "CREATE TABLE IF NOT EXISTS omni_schema_version (version INTEGER PRIMARY KEY, name VARCHAR(200) NOT NULL, applied_at VARCHAR(40) NOT NULL)",
            cancellationToken);
        var applied = new HashSet<int>();
        await using (var cmd = connection.CreateCommand())
        {
            cmd.CommandText = "SELECT version FROM omni_schema_version";
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                applied.Add(Convert.ToInt32(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        var names = new List<string>();
        foreach (var (version, name, sql) in Scripts(dialect))
        {
            if (applied.Contains(version))
            {
                continue;
            }
            await using var tx = await connection.BeginTransactionAsync(cancellationToken);
            await ExecuteAsync(connection, tx, sql, cancellationToken);
            await using (var record = connection.CreateCommand())
            {
                record.Transaction = tx;
                record.CommandText = "INSERT INTO omni_schema_version (version, name, applied_at) VALUES (@v, @n, @a)";
                AddParameter(record, "@v", version);
                AddParameter(record, "@n", name);
                AddParameter(record, "@a", DateTimeOffset.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
                await record.ExecuteNonQueryAsync(cancellationToken);
            }
            await tx.CommitAsync(cancellationToken);
            names.Add(name);
        }
        return names;
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction? tx, string sql, CancellationToken cancellationToken)
    {
        await using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }

    private static void AddParameter(DbCommand cmd, string name, object value)
    {
        var p = cmd.CreateParameter();
        p.ParameterName = name;
        p.Value = value;
        cmd.Parameters.Add(p);
    }

    private static string Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"Missing embedded SQL script {resource}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
