using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace OmniActors.Webhooks.Providers;

/// <summary>The webhook providers this silo serves, by name (case-insensitive), as in <c>/webhooks/{provider}/{instance}</c>.</summary>
public sealed class WebhookProviders
{
    private readonly Dictionary<string, IWebhookProvider> _byName;

    /// <summary>A registry of <paramref name="providers"/>; a later provider of the same name replaces an earlier one.</summary>
    public WebhookProviders(IEnumerable<IWebhookProvider> providers)
    {
        ArgumentNullException.ThrowIfNull(providers);
        _byName = new Dictionary<string, IWebhookProvider>(StringComparer.OrdinalIgnoreCase);
        foreach (var provider in providers)
        {
            _byName[provider.Name] = provider;
        }
    }

    /// <summary>The built-in providers: Telegram, WhatsApp Cloud, Evolution API and Discord.</summary>
    public static IReadOnlyList<IWebhookProvider> BuiltIn { get; } =
    [
        new TelegramProvider(),
        new WhatsAppCloudProvider(),
        new EvolutionProvider(),
        new DiscordProvider(),
    ];

    /// <summary>A registry of the built-in providers, for callers without a service container.</summary>
    public static WebhookProviders CreateDefault() => new(BuiltIn);

    /// <summary>The provider named <paramref name="name"/>, whatever its case.</summary>
    public bool TryGet(string name, [NotNullWhen(true)] out IWebhookProvider? provider) =>
        _byName.TryGetValue(name ?? string.Empty, out provider);

    /// <summary>The provider named <paramref name="name"/>, or null.</summary>
    public IWebhookProvider? Find(string name) => TryGet(name, out var provider) ? provider : null;

    /// <summary>The registered names.</summary>
    public IReadOnlyCollection<string> Names => _byName.Keys;
}

/// <summary>Registration of the webhook providers.</summary>
public static class WebhookProviderServiceCollectionExtensions
{
    /// <summary>Adds the built-in webhook providers and the <see cref="WebhookProviders"/> registry; calling it twice adds nothing.</summary>
    public static IServiceCollection AddWebhookProviders(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        foreach (var provider in WebhookProviders.BuiltIn)
        {
            services.TryAddEnumerable(ServiceDescriptor.Singleton(typeof(IWebhookProvider), provider.GetType()));
        }
        services.TryAddSingleton<WebhookProviders>();
        return services;
    }
}
