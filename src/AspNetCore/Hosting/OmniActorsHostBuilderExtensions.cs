using Microsoft.Extensions.Configuration.Memory;
using OmniActors.Client;
using OmniActors.Silo.Api;
using OmniActors.Silo.Hosting;

// In the hosting namespace, as Orleans' UseOrleans is: an app finds AddOmniActors on its builder without a using.
namespace Microsoft.Extensions.Hosting;

/// <summary>Adds OmniActors to an app: a silo with the HTTP API and dashboards, or a worker-only silo.</summary>
public static class OmniActorsHostBuilderExtensions
{
    /// <summary>
    /// Hosts an OmniActors silo in this ASP.NET Core app with the HTTP API, the dashboards, metrics and health checks
    /// (map them with <c>app.MapOmniActors()</c>), and <see cref="IOmniClient"/> for enqueueing from the app's own code.
    /// Register handlers with <c>builder.Services.AddAction&lt;THandler&gt;("name")</c>.
    /// </summary>
    public static IHostApplicationBuilder AddOmniActors(this IHostApplicationBuilder builder, Action<OmniActorsSetup>? configure = null)
    {
        AddOmniActorsWorker(builder, configure);
        builder.Services.AddOmniActorsApi(builder.Configuration, builder.Environment);
        return builder;
    }

    /// <summary>
    /// A worker-only silo: joins the cluster (the same storage settings as the API silos) and runs the handlers registered
    /// with <c>AddAction</c>, without serving HTTP or dashboards, so workers scale apart from the API. Works on
    /// <c>Host.CreateApplicationBuilder</c>; <see cref="IOmniClient"/> is registered too.
    /// </summary>
    public static IHostApplicationBuilder AddOmniActorsWorker(this IHostApplicationBuilder builder, Action<OmniActorsSetup>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (configure is not null)
        {
            var setup = new OmniActorsSetup();
            configure(setup);
            // First source, so that appsettings and the environment (added before) still override what code set.
            builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = setup.Defaults });
        }
        builder.UseOmniActorsSilo();
        builder.Services.AddOmniActorsTracing(builder.Configuration);
        builder.Services.AddSingleton<IOmniClient>(sp => new OmniClient(sp.GetRequiredService<IGrainFactory>()));
        return builder;
    }
}
