using OmniActors.Hosting;

namespace OmniActors.Silo.Hosting;

/// <summary>Hosts the Orleans silo inside the web app.</summary>
public static class SiloHostingExtensions
{
    /// <summary>Embedded mode: localhost clustering and the task queue on the configured storage.</summary>
    public static WebApplicationBuilder UseOmniActorsSilo(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var cluster = builder.Configuration.GetSection(OmniClusterOptions.Section).Get<OmniClusterOptions>() ?? new OmniClusterOptions();
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(cluster.SiloPort, cluster.GatewayPort, serviceId: cluster.ServiceId, clusterId: cluster.ClusterId);
            silo.AddOmniActors(builder.Configuration);
        });
        return builder;
    }
}
