using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.FileProviders;
using OmniActors.Silo.Hosting;

namespace OmniActors.Tests.Hosting;

public sealed class WatchedDatabaseTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("omni-watched-").FullName;

    public WatchedDatabaseTests() => File.WriteAllText(Path.Combine(_root, "appsettings.json"), "{}");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private ConfigurationBuilder Configuration(bool reload)
    {
        var configuration = new ConfigurationBuilder();
        configuration.AddJsonFile(new PhysicalFileProvider(_root), "appsettings.json", optional: false, reloadOnChange: reload);
        return configuration;
    }

    [Fact]
    public void A_database_under_a_reloaded_files_folder_is_found()
    {
        Assert.Equal(Path.TrimEndingDirectorySeparator(_root),
            SiloHostingExtensions.WatchedRootHolding(Configuration(reload: true), Path.Combine(_root, "data", "omni.db")));
    }

    [Fact]
    public void Nothing_is_found_without_reload_or_outside_the_folder()
    {
        Assert.Null(SiloHostingExtensions.WatchedRootHolding(Configuration(reload: false), Path.Combine(_root, "data", "omni.db")));
        // A sibling folder whose name starts with the root's is not under it.
        Assert.Null(SiloHostingExtensions.WatchedRootHolding(Configuration(reload: true), _root + "-other" + Path.DirectorySeparatorChar + "omni.db"));
        Assert.Null(SiloHostingExtensions.WatchedRootHolding(new ConfigurationBuilder(), Path.Combine(_root, "omni.db")));
    }
}
