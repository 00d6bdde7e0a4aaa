using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OmniActors.Tests.Support;
using Xunit.Abstractions;

namespace OmniActors.Tests.Cluster;

/// <summary>
/// The silo's schema installer on a real PostgreSQL database: a database left at the previous version (only script
/// 0001, installed by an operator with psql) is upgraded at silo start; a second start applies nothing; the scripts
/// themselves can be run again by hand.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class SchemaUpgradeTests(PrivatePostgres postgres, ITestOutputHelper output) : IClassFixture<PrivatePostgres>, IAsyncLifetime
{
    private static readonly string ScriptFolder = Path.Combine(RepositoryRoot(), "deploy", "sql", "postgresql");

    private ClusterDatabase _database = null!;
    private SiloScenario _scenario = null!;

    public async Task InitializeAsync()
    {
        _database = await postgres.CreateDatabaseAsync("schema");
        _scenario = await SiloScenario.StartAsync(output, _database.SiloSettings(new Dictionary<string, string>()));
        _scenario.OnFailureAlsoWrite(() => postgres.LogTail());
    }

    public async Task DisposeAsync() => await _scenario.DisposeAsync();

    [Fact]
    public Task Schema_scripts_apply_twice_and_upgrade_from_the_previous_version() => _scenario.RunAsync(async () =>
    {
        // The previous version: script 0001 only, recorded the way the installer records it.
        await postgres.RunPsqlFileAsync(_database.Name, Path.Combine(ScriptFolder, "0001_orleans.sql"));
        await _database.ExecuteAsync(
            "CREATE TABLE omni_schema_version (version INTEGER PRIMARY KEY, name VARCHAR(200) NOT NULL, applied_at VARCHAR(40) NOT NULL);" +
            "INSERT INTO omni_schema_version (version, name, applied_at) VALUES (1, '0001_orleans.sql', '2025-01-01T00:00:00.0000000+00:00')");
        Assert.Equal(0, await _database.CountAsync("SELECT count(*) FROM pg_tables WHERE tablename = 'omni_tasks'"));

        var silo = await _scenario.StartSiloAsync();
        var upgraded = await VersionsAsync();
        // Every script on disk, in order (each feature adds its own: 0003 workflows, 0004 events, 0005 event log...).
        var scripts = Directory.GetFiles(ScriptFolder, "*.sql").Select(Path.GetFileName).Order(StringComparer.Ordinal)
            .Select(name => $"{int.Parse(name![..4], System.Globalization.CultureInfo.InvariantCulture)} {name}");
        Assert.Equal(scripts, upgraded.Select(v => $"{v.Version} {v.Name}"));
        Assert.Equal("2025-01-01T00:00:00.0000000+00:00", upgraded[0].AppliedAt);
        Assert.Equal(1, await _database.CountAsync("SELECT count(*) FROM pg_tables WHERE tablename = 'omni_tasks'"));
        await ServesATaskAsync(silo, "schema-first-start");
        await silo.TerminateAsync();
        Assert.Equal(0, await silo.WaitForExitAsync(TimeSpan.FromSeconds(30)));

        // Each script is idempotent on its own: an operator may run them all again.
        foreach (var script in Directory.GetFiles(ScriptFolder, "*.sql").Order(StringComparer.Ordinal))
        {
            await postgres.RunPsqlFileAsync(_database.Name, script);
        }

        silo = await _scenario.StartSiloAsync();
        Assert.Equal(upgraded, await VersionsAsync());
        await ServesATaskAsync(silo, "schema-second-start");
        Assert.Equal(2, await _database.CountAsync("SELECT count(*) FROM omni_tasks WHERE status = 'succeeded'"));

        _scenario.Report($"Upgrade from 0001: the silo applied {string.Join(", ", upgraded.Skip(1).Select(v => v.Name))}; the second start applied nothing; psql re-ran every script without error.");
    });

    private async Task ServesATaskAsync(SiloProcess silo, string key)
    {
        using var created = await silo.Http.PostAsJsonAsync(new Uri("/api/tasks", UriKind.Relative), _scenario.HttpTask(key, holdMs: 0));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        using var result = await silo.Http.GetAsync(new Uri($"/api/tasks/{id}/result?waitSeconds=30", UriKind.Relative));
        var body = await result.Content.ReadAsStringAsync();
        Assert.True(result.StatusCode == HttpStatusCode.OK, $"GET /api/tasks/{id}/result answered {(int)result.StatusCode}: {body}");
        Assert.Equal("succeeded", JsonDocument.Parse(body).RootElement.GetProperty("status").GetString());
    }

    private async Task<IReadOnlyList<SchemaVersion>> VersionsAsync() =>
        await _database.QueryAsync("SELECT version, name, applied_at FROM omni_schema_version ORDER BY version",
            r => new SchemaVersion(r.GetInt32(0), r.GetString(1), r.GetString(2)));

    /// <summary>The repository the silo was built from (its build output lives under it).</summary>
    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(Path.GetDirectoryName(SiloProcess.SiloAssembly)!); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "OmniActors.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"No OmniActors.sln above {SiloProcess.SiloAssembly}.");
    }

    private sealed record SchemaVersion(int Version, string Name, string AppliedAt);
}
