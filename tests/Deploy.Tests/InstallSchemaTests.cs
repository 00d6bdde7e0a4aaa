using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using OmniActors.Deploy.Tests.Support;
using OmniActors.Storage;

namespace OmniActors.Deploy.Tests;

/// <summary>deploy/install-schema.sh without a PostgreSQL server.</summary>
public partial class InstallSchemaTests
{
    /// <summary>The silo's schema lock key (PostgresSchema.LockKey), read from the assembly.</summary>
    public static long SiloLockKey()
    {
        var type = typeof(SchemaInstaller).Assembly.GetType("OmniActors.Storage.Postgres.PostgresSchema", throwOnError: true)!;
        var field = type.GetField("LockKey", BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.Static);
        return Assert.IsType<long>(field!.GetRawConstantValue());
    }

    [Fact]
    public void Takes_the_same_advisory_lock_as_the_silo()
    {
        var script = File.ReadAllText(RepoPaths.InstallSchemaScript);
        var m = LockKeyLine().Match(script);
        Assert.True(m.Success, "LOCK_KEY=<decimal> not found");
        Assert.Equal(SiloLockKey(), long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
        Assert.Contains("pg_advisory_xact_lock(:lock_key)", script, StringComparison.Ordinal);
        Assert.Contains("--single-transaction", script, StringComparison.Ordinal);
        Assert.Contains("ON_ERROR_STOP=1", script, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^readonly LOCK_KEY=(\d+)$", RegexOptions.Multiline)]
    private static partial Regex LockKeyLine();

    [Fact]
    public void Script_names_follow_the_installers_rule_and_match_the_embedded_scripts()
    {
        foreach (var dialect in new[] { "postgresql", "sqlite" })
        {
            var onDisk = RepoPaths.SqlScripts(dialect);
            Assert.NotEmpty(onDisk);
            Assert.Equal(onDisk.Count, onDisk.Select(s => s.Version).Distinct().Count());
            Assert.Equal(onDisk, SchemaInstaller.Scripts(dialect).Select(s => (s.Version, s.Name)).ToList());
        }
    }

    [Fact]
    public async Task Help_and_bad_arguments()
    {
        var help = await Processes.InstallSchemaAsync(new Dictionary<string, string>(), "--help");
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("omni_schema_version", help.Output, StringComparison.Ordinal);
        var bad = await Processes.InstallSchemaAsync(new Dictionary<string, string>(), "--nonsense");
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("unknown argument", bad.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refuses_a_script_not_named_by_version()
    {
        var dir = Directory.CreateTempSubdirectory("omni-sql-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(dir.FullName, "tasks.sql"), "SELECT 1;");
            var result = await Processes.InstallSchemaAsync(new Dictionary<string, string>(), "--sql-dir", dir.FullName, "--sqlite", Path.Combine(dir.FullName, "x.db"));
            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains("NNNN_description.sql", result.Error, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Sqlite3Fact]
    public async Task Sqlite_mode_applies_every_script_once_and_the_silo_agrees()
    {
        Require.Sqlite3Shell();
        var dir = Directory.CreateTempSubdirectory("omni-sqlite-");
        try
        {
            var file = Path.Combine(dir.FullName, "data", "omniactors.db");
            var scripts = RepoPaths.SqlScripts("sqlite");

            var first = await Processes.InstallSchemaAsync(new Dictionary<string, string>(), "--sqlite", file);
            Assert.True(first.ExitCode == 0, first.ToString());
            Assert.Contains($"applied {scripts.Count} of {scripts.Count} scripts", first.Output, StringComparison.Ordinal);

            var second = await Processes.InstallSchemaAsync(new Dictionary<string, string>(), "--sqlite", file);
            Assert.True(second.ExitCode == 0, second.ToString());
            Assert.Contains($"applied 0 of {scripts.Count} scripts", second.Output, StringComparison.Ordinal);

            await using var connection = new SqliteConnection($"Data Source={file};Pooling=False");
            await connection.OpenAsync();
            var rows = new List<(int, string)>();
            await using (var cmd = connection.CreateCommand())
            {
                cmd.CommandText = "SELECT version, name, applied_at FROM omni_schema_version ORDER BY version";
                await using var reader = await cmd.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    rows.Add((reader.GetInt32(0), reader.GetString(1)));
                    DateTimeOffset.ParseExact(reader.GetString(2), "O", CultureInfo.InvariantCulture);
                }
            }
            Assert.Equal(scripts, rows);
            // The silo's own installer finds nothing left to do.
            Assert.Empty(await SchemaInstaller.ApplyAsync(connection, "sqlite"));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            dir.Delete(recursive: true);
        }
    }
}
