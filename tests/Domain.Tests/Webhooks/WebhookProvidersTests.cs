using Microsoft.Extensions.DependencyInjection;
using OmniActors.Webhooks;
using OmniActors.Webhooks.Providers;

namespace OmniActors.Tests.Webhooks;

/// <summary>The provider registry: lookup by name whatever the case, one registration however often it is added.</summary>
public sealed class WebhookProvidersTests
{
    public static TheoryData<string, Type> Names() => new()
    {
        { "telegram", typeof(TelegramProvider) },
        { "Telegram", typeof(TelegramProvider) },
        { "TELEGRAM", typeof(TelegramProvider) },
        { "whatsapp", typeof(WhatsAppCloudProvider) },
        { "WhatsApp", typeof(WhatsAppCloudProvider) },
        { "evolution", typeof(EvolutionProvider) },
        { "Evolution", typeof(EvolutionProvider) },
        { "discord", typeof(DiscordProvider) },
        { "DISCORD", typeof(DiscordProvider) },
    };

    [Theory]
    [MemberData(nameof(Names))]
    public void Providers_are_found_by_name_whatever_the_case(string name, Type type)
    {
        using var services = new ServiceCollection().AddWebhookProviders().BuildServiceProvider();
        var registry = services.GetRequiredService<WebhookProviders>();

        Assert.True(registry.TryGet(name, out var provider));
        Assert.IsType(type, provider);
        Assert.IsType(type, WebhookProviders.CreateDefault().Find(name));
    }

    [Theory]
    [InlineData("slack")]
    [InlineData("")]
    [InlineData("telegram ")]
    public void An_unknown_name_finds_nothing(string name)
    {
        var registry = WebhookProviders.CreateDefault();

        Assert.False(registry.TryGet(name, out _));
        Assert.Null(registry.Find(name));
    }

    [Fact]
    public void Adding_the_providers_twice_registers_each_once()
    {
        using var services = new ServiceCollection().AddWebhookProviders().AddWebhookProviders().BuildServiceProvider();

        var providers = services.GetServices<IWebhookProvider>().ToList();

        Assert.Equal(WebhookProviders.BuiltIn.Count, providers.Count);
        Assert.Equal(providers.Count, providers.Select(p => p.Name).Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.Equal(providers.Select(p => p.Name).Order(), services.GetRequiredService<WebhookProviders>().Names.Order());
    }

    [Fact]
    public void Every_built_in_provider_has_a_lowercase_route_name()
    {
        Assert.All(WebhookProviders.BuiltIn, p => Assert.Equal(p.Name.ToLowerInvariant(), p.Name));
    }
}
