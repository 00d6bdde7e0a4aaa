using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace OmniActors.Client;

/// <summary>Where the client finds the cluster.</summary>
public sealed class OmniClientOptions
{
    /// <summary>The cluster's id (must match the silos').</summary>
    public string ClusterId { get; set; } = "omniactors";

    /// <summary>The service id (must match the silos').</summary>
    public string ServiceId { get; set; } = "omniactors";

    /// <summary>Gateway port of a silo on localhost (embedded mode).</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>Cluster mode: the PostgreSQL connection string the silos cluster through (ADO.NET clustering);
    /// unset means a localhost silo on <see cref="GatewayPort"/>.</summary>
    public string? PostgresConnectionString { get; set; }

    /// <summary>Replaces the clustering setup altogether.</summary>
    public Action<IClientBuilder>? ConfigureClustering { get; set; }
}

/// <summary>Registration of the OmniActors client.</summary>
public static class OmniClientServiceCollectionExtensions
{
    /// <summary>Adds an Orleans client connected to the cluster and <see cref="IOmniClient"/>.</summary>
    public static IServiceCollection AddOmniActorsClient(this IServiceCollection services, Action<OmniClientOptions>? configure = null)
    {
        var options = new OmniClientOptions();
        configure?.Invoke(options);
        services.AddOrleansClient(client =>
        {
            if (options.ConfigureClustering is { } clustering)
            {
                clustering(client);
            }
            else if (options.PostgresConnectionString is { } connectionString)
            {
                client.Configure<Orleans.Configuration.ClusterOptions>(o =>
                {
                    o.ClusterId = options.ClusterId;
                    o.ServiceId = options.ServiceId;
                });
                client.UseAdoNetClustering(o =>
                {
                    o.Invariant = "Npgsql";
                    o.ConnectionString = connectionString;
                });
            }
            else
            {
                client.UseLocalhostClustering(options.GatewayPort, options.ServiceId, options.ClusterId);
            }
        });
        services.AddSingleton<IOmniClient>(sp => new OmniClient(sp.GetRequiredService<IClusterClient>()));
        return services;
    }
}
