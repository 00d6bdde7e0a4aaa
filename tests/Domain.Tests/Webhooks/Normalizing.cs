using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OmniActors.Webhooks;

namespace OmniActors.Tests.Webhooks;

/// <summary>Runs a normalizer the way the pipeline does: on a parsed document that is disposed right after.</summary>
internal static class Normalizing
{
    public static IReadOnlyList<NormalizedEvent> Events(this IWebhookProvider provider, string json)
    {
        IReadOnlyList<NormalizedEvent> events;
        using (var document = JsonDocument.Parse(json))
        {
            events = provider.Normalize(document.RootElement);
        }
        // Metadata must not point into the disposed document: reading it all proves it was copied.
        foreach (var e in events)
        {
            _ = e.Metadata?.ToJsonString();
        }
        return events;
    }

    public static NormalizedEvent Single(this IWebhookProvider provider, string json) => Assert.Single(provider.Events(json));

    /// <summary>A metadata member: a string as is, anything else as its JSON text.</summary>
    public static string? Meta(this NormalizedEvent e, string name) => e.Metadata?[name] switch
    {
        null => null,
        JsonValue value when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>(),
        var node => node.ToJsonString(),
    };

    public static WebhookRequest Request(string body, params (string Name, string Value)[] headers) =>
        new(headers.ToDictionary(h => h.Name, h => h.Value, StringComparer.OrdinalIgnoreCase), Encoding.UTF8.GetBytes(body));

    /// <summary>Valid JSON of every kind that no provider understands.</summary>
    public static TheoryData<string> UnknownShapes() =>
    [
        "{}",
        "[]",
        "[1,2,3]",
        "\"text\"",
        "42",
        "true",
        "null",
        """{"something":"else","nested":{"deep":[1,{"x":null}]}}""",
        """[{"update_id":1,"message":{"text":"hi"}}]""",
    ];
}
