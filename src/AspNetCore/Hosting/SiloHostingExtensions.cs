using System.Net;
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
        var cluster = configuration.GetSection(OmniClusterOptions.Section).Get<OmniClusterOptions>() ?? new OmniClusterOptions();
        var storage = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        var runner = configuration.GetSection(Running.RunnerOptions.Section).Get<Running.RunnerOptions>() ?? new Running.RunnerOptions();
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
            silo.AddOmniActors(configuration);
            // The Orleans cluster dashboard; its endpoints are mapped (behind the API key) by MapOmniActorsApi.
            silo.AddDashboard();
        });
        return builder;
    }
}
