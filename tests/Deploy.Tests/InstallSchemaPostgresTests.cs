using System.Globalization;
using Npgsql;
using OmniActors.Deploy.Tests.Support;
using OmniActors.Storage;

namespace OmniActors.Deploy.Tests;

/// <summary>deploy/install-schema.sh against a real PostgreSQL server, each test in a throwaway database.</summary>
public class InstallSchemaPostgresTests
{
    private static readonly IReadOnlyList<(int Version, string Name)> Scripts = RepoPaths.SqlScripts("postgresql");

    private static Dictionary<string, string> NpgsqlEnvironment(ThrowawayDatabase db) =>
        new() { ["OmniActors__Storage__ConnectionString"] = db.ConnectionString + ";Maximum Pool Size=20" };

    [PostgresFact]
    public async Task Applies_every_script_then_a_second_run_applies_nothing()
    {
        Require.Postgres();
        await using var db = await ThrowawayDatabase.CreateAsync();

        // First run: the silo's Npgsql connection string.
        var first = await Processes.InstallSchemaAsync(NpgsqlEnvironment(db));
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains($"applied {Scripts.Count} of {Scripts.Count} scripts", first.Output, StringComparison.Ordinal);
        Assert.All(Scripts, s => Assert.Contains($"applied {s.Name}", first.Output, StringComparison.Ordinal));

        // Second run: libpq's PG* variables.
        var second = await Processes.InstallSchemaAsync(db.LibpqEnvironment());
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains($"applied 0 of {Scripts.Count} scripts", second.Output, StringComparison.Ordinal);
        Assert.All(Scripts, s => Assert.Contains($"{s.Name} already applied", second.Output, StringComparison.Ordinal));

        var rows = await db.SchemaVersionsAsync();
        Assert.Equal(Scripts, rows.Select(r => (r.Version, r.Name)).ToList());
        Assert.All(rows, r => DateTimeOffset.ParseExact(r.AppliedAt, "O", CultureInfo.InvariantCulture));
        Assert.Equal("omni_tasks", await db.ScalarAsync("SELECT to_regclass('omni_tasks')::text"));

        // The table has the silo installer's shape, and that installer finds nothing left to apply.
        await using var connection = await db.OpenAsync();
        await using (var cmd = new NpgsqlCommand(
            "SELECT string_agg(column_name || ' ' || data_type || coalesce('(' || character_maximum_length || ')', ''), ', ' ORDER BY ordinal_position) " +
            "FROM information_schema.columns WHERE table_name = 'omni_schema_version'", connection))
        {
            Assert.Equal("version integer, name character varying(200), applied_at character varying(40)", await cmd.ExecuteScalarAsync());
        }
        Assert.Empty(await SchemaInstaller.ApplyAsync(connection, "postgresql"));
    }

    [PostgresFact]
    public async Task A_database_the_silo_installed_gets_nothing_more()
    {
        Require.Postgres();
        await using var db = await ThrowawayDatabase.CreateAsync();
        await using (var connection = await db.OpenAsync())
        {
            Assert.Equal(Scripts.Count, (await SchemaInstaller.ApplyAsync(connection, "postgresql")).Count);
        }
        var run = await Processes.InstallSchemaAsync(new Dictionary<string, string> { ["DATABASE_URL"] = Url(db) });
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains($"applied 0 of {Scripts.Count} scripts", run.Output, StringComparison.Ordinal);
    }

    [PostgresFact]
    public async Task An_older_database_gets_only_the_scripts_it_lacks_and_a_failing_script_is_rolled_back()
    {
        Require.Postgres();
        await using var db = await ThrowawayDatabase.CreateAsync();
        var dir = Directory.CreateTempSubdirectory("omni-pgsql-");
        try
        {
            // An "old" database: only the first script.
            File.Copy(Path.Combine(RepoPaths.SqlDir("postgresql"), Scripts[0].Name), Path.Combine(dir.FullName, Scripts[0].Name));
            var old = await Processes.InstallSchemaAsync(NpgsqlEnvironment(db), "--sql-dir", dir.FullName);
            Assert.True(old.ExitCode == 0, old.ToString());
            Assert.Contains("applied 1 of 1 scripts", old.Output, StringComparison.Ordinal);

            // The upgrade: every real script plus a broken one at the end.
            foreach (var (_, name) in Scripts.Skip(1))
            {
                File.Copy(Path.Combine(RepoPaths.SqlDir("postgresql"), name), Path.Combine(dir.FullName, name));
            }
            await File.WriteAllTextAsync(Path.Combine(dir.FullName, "9999_broken.sql"),
                "CREATE TABLE omni_half_done (x integer);\nSELECT 1 / 0;\n");
            var upgrade = await Processes.InstallSchemaAsync(NpgsqlEnvironment(db), "--sql-dir", dir.FullName);
            Assert.NotEqual(0, upgrade.ExitCode);
            Assert.Contains("9999_broken.sql failed", upgrade.Error, StringComparison.Ordinal);
            Assert.Contains($"{Scripts[0].Name} already applied", upgrade.Output, StringComparison.Ordinal);

            var rows = await db.SchemaVersionsAsync();
            Assert.Equal(Scripts, rows.Select(r => (r.Version, r.Name)).ToList());
            Assert.Null(await db.ScalarAsync("SELECT to_regclass('omni_half_done')::text"));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [PostgresFact]
    public async Task Waits_while_a_silo_holds_the_schema_lock()
    {
        Require.Postgres();
        await using var db = await ThrowawayDatabase.CreateAsync();
        await using var silo = await db.OpenAsync();
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock(@k)", silo))
        {
            take.Parameters.AddWithValue("k", InstallSchemaTests.SiloLockKey());
            await take.ExecuteNonQueryAsync();
        }

        using var process = Processes.StartInstallSchema(db.LibpqEnvironment());
        var waiting = Processes.WaitAsync(process, TimeSpan.FromMinutes(2));
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.False(waiting.IsCompleted, "the script must wait for the lock");
        Assert.Null(await db.ScalarAsync("SELECT to_regclass('omni_schema_version')::text"));

        await using (var release = new NpgsqlCommand("SELECT pg_advisory_unlock(@k)", silo))
        {
            release.Parameters.AddWithValue("k", InstallSchemaTests.SiloLockKey());
            await release.ExecuteNonQueryAsync();
        }
        var result = await waiting;
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"applied {Scripts.Count} of {Scripts.Count} scripts", result.Output, StringComparison.Ordinal);
    }

    private static string Url(ThrowawayDatabase db)
    {
        var b = db.Builder;
        return $"postgresql://{Uri.EscapeDataString(b.Username ?? "")}:{Uri.EscapeDataString(b.Password ?? "")}@{b.Host}:{b.Port.ToString(CultureInfo.InvariantCulture)}/{db.Name}";
    }
}
