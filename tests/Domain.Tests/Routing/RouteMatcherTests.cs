using System.Text.Json;
using OmniActors.Errors;
using OmniActors.Routing;
using OmniActors.Webhooks;

namespace OmniActors.Tests.Routing;

/// <summary>Rule matching and payload templates: pure, so every criterion is checked on its own.</summary>
public sealed class RouteMatcherTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(50);

    private static readonly OmniEvent Event = new()
    {
        Id = "ev1",
        Provider = "telegram",
        Instance = "bot",
        ProviderEventId = "42",
        EventType = OmniEventTypes.Message,
        ContentType = OmniContentTypes.Text,
        SenderHandle = "1001",
        ChatId = "-77",
        Text = "/order 12 pizzas",
        Metadata = """{"message_id":"9"}""",
        ReceivedAt = DateTimeOffset.FromUnixTimeMilliseconds(1_732_400_000_000),
    };

    [Theory]
    [InlineData("failed", "failed", true)]
    [InlineData("failed", "read", false)]
    public void A_rule_can_match_a_delivery_status(string rule, string status, bool matches)
    {
        var read = Event with { EventType = OmniEventTypes.Status, ContentType = OmniContentTypes.None, Text = null, DeliveryStatus = status };
        var matcher = RouteMatcher.Create(Rule(r => r with { EventType = OmniEventTypes.Status, DeliveryStatus = rule }), Timeout);

        Assert.Equal(matches, matcher.Matches(read));
        Assert.Equal(status, EventPayload.ToJson(read)["delivery_status"]?.GetValue<string>());
    }

    private static RouteRule Rule(Func<RouteRule, RouteRule> with) => with(new RouteRule { Id = "r1", Name = "r", Action = "echo" });

    public static TheoryData<string, RouteRule, bool> Cases => new()
    {
        { "no criteria", Rule(r => r), true },
        { "provider", Rule(r => r with { Provider = "telegram" }), true },
        { "other provider", Rule(r => r with { Provider = "discord" }), false },
        { "instance", Rule(r => r with { Instance = "other" }), false },
        { "event type", Rule(r => r with { EventType = "reaction" }), false },
        { "content type", Rule(r => r with { ContentType = "text" }), true },
        { "delivery status on a message", Rule(r => r with { DeliveryStatus = "read" }), false },
        { "prefix", Rule(r => r with { TextPrefix = "/order" }), true },
        { "prefix is case-sensitive", Rule(r => r with { TextPrefix = "/ORDER" }), false },
        { "regex", Rule(r => r with { TextRegex = @"^/order\s+\d+" }), true },
        { "regex misses", Rule(r => r with { TextRegex = @"^\d+$" }), false },
        { "all together", Rule(r => r with { Provider = "telegram", EventType = "message", TextPrefix = "/", TextRegex = "pizza" }), true },
        { "disabled", Rule(r => r with { Enabled = false }), false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_rule_matches_only_when_every_criterion_it_sets_holds(string name, RouteRule rule, bool expected)
    {
        Assert.True(expected == RouteMatcher.Create(rule, Timeout).Matches(Event), name);
    }

    [Fact]
    public void A_text_criterion_never_matches_an_event_without_text()
    {
        var noText = Event with { Text = null };
        Assert.False(RouteMatcher.Create(Rule(r => r with { TextPrefix = "" }), Timeout).Matches(noText));
        Assert.False(RouteMatcher.Create(Rule(r => r with { TextRegex = ".*" }), Timeout).Matches(noText));
    }

    [Fact]
    public void A_regex_that_runs_past_its_time_limit_does_not_match()
    {
        var evil = RouteMatcher.Create(Rule(r => r with { TextRegex = "^(a+)+$" }), TimeSpan.FromMilliseconds(5));
        Assert.False(evil.Matches(Event with { Text = new string('a', 5000) + "!" }));
    }

    [Theory]
    [InlineData("(unclosed", null)]
    [InlineData(null, "{not json")]
    public void An_invalid_regex_or_template_is_refused(string? regex, string? template)
    {
        var ex = Assert.Throws<TaskValidationException>(() => RouteMatcher.Create(Rule(r => r with { TextRegex = regex, PayloadTemplate = template }), Timeout));
        Assert.Equal(ErrorCodes.Validation, ex.Code);
    }

    [Fact]
    public void Without_a_template_the_payload_is_the_canonical_event()
    {
        using var doc = JsonDocument.Parse(EventPayload.Build(null, Event));
        var root = doc.RootElement;
        Assert.Equal("ev1", root.GetProperty("id").GetString());
        Assert.Equal("message", root.GetProperty("event_type").GetString());
        Assert.Equal("/order 12 pizzas", root.GetProperty("text").GetString());
        Assert.Equal("9", root.GetProperty("metadata").GetProperty("message_id").GetString());
    }

    [Fact]
    public void A_template_fills_whole_values_with_their_json_type_and_placeholders_inside_text()
    {
        var template = """{"to":"{{chat_id}}","line":"{{sender_handle}} said {{text}}","event":"{{event}}","meta":"{{metadata}}","keep":"{{nope}}","n":[1,"{{provider}}"]}""";
        using var doc = JsonDocument.Parse(EventPayload.Build(template, Event));
        var root = doc.RootElement;
        Assert.Equal("-77", root.GetProperty("to").GetString());
        Assert.Equal("1001 said /order 12 pizzas", root.GetProperty("line").GetString());
        Assert.Equal("ev1", root.GetProperty("event").GetProperty("id").GetString());
        Assert.Equal(JsonValueKind.Object, root.GetProperty("meta").ValueKind);
        Assert.Equal("{{nope}}", root.GetProperty("keep").GetString());
        Assert.Equal("telegram", root.GetProperty("n")[1].GetString());
    }
}
