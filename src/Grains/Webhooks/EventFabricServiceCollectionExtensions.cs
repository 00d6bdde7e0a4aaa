using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OmniActors.Identities;
using OmniActors.Routing;
using OmniActors.Webhooks.Providers;

namespace OmniActors.Webhooks;

/// <summary>Registration of the event fabric: webhook ingress, raw capture, events, identities, routing.</summary>
public static class EventFabricServiceCollectionExtensions
{
    /// <summary>Adds the event fabric's services (options from <c>OmniActors:Webhooks</c>); storage must already be registered.</summary>
    public static IServiceCollection AddEventFabric(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<WebhookOptions>().Bind(configuration.GetSection(WebhookOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddWebhookProviders();
        services.AddSingleton<EventDatabase>();
        services.AddSingleton<EventStore>();
        services.AddSingleton<WebhookInstances>();
        services.AddSingleton<WebhookMetrics>();
        services.AddSingleton<WebhookLifecycle>();
        services.AddSingleton<IdentityStore>();
        services.AddSingleton<IdentityDirectory>();
        services.AddSingleton<RouteRules>();
        services.AddSingleton<EventRouter>();
        services.AddSingleton<IngestPipeline>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<IngestPipeline>());
        services.AddSingleton<WebhookIngress>();
        return services;
    }
}
