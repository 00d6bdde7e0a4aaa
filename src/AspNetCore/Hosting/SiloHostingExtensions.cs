using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.FileProviders;
using OmniActors.Hosting;
using OmniActors.Storage;
using Orleans.Configuration;
using Orleans.Dashboard;

namespace OmniActors.Silo.Hosting;

/// <summary>Hosts the Orleans silo inside the app (a web app or a worker-only host).</summary>
public static class SiloHostingExtensions
{
    /// <summary>
    /// The silo, by configuration only: embedded (Sqlite) is one silo on localhost clustering; cluster mode
    /// (PostgreSql) joins every silo sharing the database through ADO.NET clustering.
    /// </summary>
    public static IHostApplicationBuilder UseOmniActorsSilo(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;
        var cluster = StartupOptions.Read<OmniClusterOptions>(configuration, OmniClusterOptions.Section);
        var storage = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        var runner = configuration.GetSection(Running.RunnerOptions.Section).Get<Running.RunnerOptions>() ?? new Running.RunnerOptions();
        if (!storage.IsPostgres && string.IsNullOrWhiteSpace(storage.ConnectionString)
            && WatchedRootHolding(configuration, Path.GetFullPath(storage.SqlitePath)) is { } watched)
        {
            builder.Services.AddHostedService(sp => new WatchedDatabaseWarning(
                sp.GetRequiredService<ILogger<WatchedDatabaseWarning>>(), Path.GetFullPath(storage.SqlitePath), watched));
        }
        // The host must outlast the runner's drain, or a graceful stop cuts handlers that still had time.
        builder.Services.Configure<HostOptions>(o =>
        {
            var needed = runner.DrainTimeout + runner.CancellationGrace + TimeSpan.FromSeconds(15);
            if (o.ShutdownTimeout < needed)
            {
                o.ShutdownTimeout = needed;
            }
        });
        builder.UseOrleans(silo =>
        {
            if (storage.IsPostgres)
            {
                silo.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = cluster.ClusterId;
                    o.ServiceId = cluster.ServiceId;
                });
                silo.Configure<ClusterMembershipOptions>(o =>
                {
                    o.ProbeTimeout = cluster.ProbeTimeout;
                    o.NumMissedProbesLimit = cluster.MissedProbesLimit;
                });
                silo.UseAdoNetClustering(o =>
                {
                    o.Invariant = OmniStorage.PostgresInvariant;
                    o.ConnectionString = storage.ConnectionString;
                });
                var advertised = string.IsNullOrWhiteSpace(cluster.AdvertisedIPAddress) ? null : IPAddress.Parse(cluster.AdvertisedIPAddress);
                if (advertised is null)
                {
                    silo.ConfigureEndpoints(cluster.SiloPort, cluster.GatewayPort, listenOnAnyHostAddress: true);
                }
                else
                {
                    silo.ConfigureEndpoints(advertised, cluster.SiloPort, cluster.GatewayPort, listenOnAnyHostAddress: true);
                }
            }
            else
            {
                silo.UseLocalhostClustering(cluster.SiloPort, cluster.GatewayPort, serviceId: cluster.ServiceId, clusterId: cluster.ClusterId);
            }
            silo.Configure<GrainDirectoryOptions>(o => o.CacheSize = cluster.DirectoryCacheSize);
            silo.AddOmniActors(configuration);
            // The Orleans cluster dashboard; its endpoints are mapped (behind the API key) by MapOmniActorsApi.
            silo.AddDashboard();
        });
        return builder;
    }

    /// <summary>
    /// The folder of a configuration file reloaded on change whose watcher also sees <paramref name="databasePath"/>: .NET
    /// watches such a folder recursively, so every write to the SQLite file or its WAL wakes the watcher (about a quarter of
    /// the silo's CPU per task, bench/README.md). Null when no reloaded file's folder holds the database.
    /// </summary>
    internal static string? WatchedRootHolding(IConfigurationBuilder configuration, string databasePath)
    {
        foreach (var source in configuration.Sources.OfType<FileConfigurationSource>())
        {
            if (source.ReloadOnChange && source.FileProvider is PhysicalFileProvider files)
            {
                var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(files.Root));
                if (databasePath.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                {
                    return root;
                }
            }
        }
        return null;
    }
}

/// <summary>Says at start that the SQLite file lies under a folder that a configuration reload watches, and what to do.</summary>
internal sealed partial class WatchedDatabaseWarning(ILogger<WatchedDatabaseWarning> logger, string database, string root) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        LogWatched(database, root);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "The SQLite database {Database} lies under {Root}, which the configuration's " +
        "reload-on-change watcher watches recursively: every database write wakes it and costs CPU. Start the app with " +
        "--hostBuilder:reloadConfigOnChange=false (as the OmniActors silo does) or keep the database outside that folder")]
    private partial void LogWatched(string database, string root);
}
