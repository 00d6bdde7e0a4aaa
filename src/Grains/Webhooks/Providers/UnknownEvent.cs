using System.Text.Json;
using System.Text.Json.Nodes;

namespace OmniActors.Webhooks.Providers;

/// <summary>The one event of a payload no normalizer understood: stored as <see cref="OmniEventTypes.Unknown"/>, never dropped.</summary>
internal static class UnknownEvent
{
    /// <summary>One unknown event, keeping the provider's id and a hint of the shape when the payload has them.</summary>
    public static IReadOnlyList<NormalizedEvent> Of(JsonElement payload, string? providerEventId = null, string? kind = null)
    {
        var metadata = new JsonObject { ["json_kind"] = JsonNamingPolicy.SnakeCaseLower.ConvertName(payload.ValueKind.ToString()) };
        metadata.Put("kind", kind);
        return [new NormalizedEvent { EventType = OmniEventTypes.Unknown, ProviderEventId = providerEventId, Metadata = metadata }];
    }
}
