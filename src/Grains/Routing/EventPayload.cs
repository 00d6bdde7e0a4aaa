using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using OmniActors.Webhooks;

namespace OmniActors.Routing;

/// <summary>The canonical event as JSON (snake_case) and payload templates over it. Pure.</summary>
public static class EventPayload
{
    /// <summary>The canonical event JSON object.</summary>
    public static JsonObject ToJson(OmniEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        JsonNode? metadata = null;
        if (e.Metadata is { } m)
        {
            try
            {
                metadata = JsonNode.Parse(m);
            }
            catch (JsonException)
            {
                metadata = JsonValue.Create(m);
            }
        }
        return new JsonObject
        {
            ["id"] = e.Id,
            ["provider"] = e.Provider,
            ["instance"] = e.Instance,
            ["provider_event_id"] = e.ProviderEventId,
            ["event_type"] = e.EventType,
            ["direction"] = e.Direction,
            ["sender_identity_id"] = e.SenderIdentityId,
            ["sender_handle"] = e.SenderHandle,
            ["sender_name"] = e.SenderName,
            ["recipient_identity_id"] = e.RecipientIdentityId,
            ["recipient_handle"] = e.RecipientHandle,
            ["chat_id"] = e.ChatId,
            ["content_type"] = e.ContentType,
            ["delivery_status"] = e.DeliveryStatus,
            ["text"] = e.Text,
            ["media"] = e.Media is { } media
                ? new JsonObject { ["url"] = media.Url, ["mime_type"] = media.MimeType, ["size"] = media.Size, ["caption"] = media.Caption }
                : null,
            ["reply_to"] = e.ReplyTo,
            ["raw_id"] = e.RawId,
            ["metadata"] = metadata,
            ["provider_timestamp"] = e.ProviderTimestamp?.ToString("O", CultureInfo.InvariantCulture),
            ["received_at"] = e.ReceivedAt.ToString("O", CultureInfo.InvariantCulture),
        };
    }

    /// <summary>The payload a rule sends: the template with the event's fields filled in, or the canonical event JSON.</summary>
    public static string Build(string? template, OmniEvent e)
    {
        var json = ToJson(e);
        if (template is null)
        {
            return json.ToJsonString();
        }
        var node = JsonNode.Parse(template);
        return (Fill(node, json) ?? JsonValue.Create((string?)null))?.ToJsonString() ?? "null";
    }

    private static JsonNode? Fill(JsonNode? node, JsonObject e)
    {
        switch (node)
        {
            case JsonObject o:
                var filled = new JsonObject();
                foreach (var (key, value) in o)
                {
                    filled[key] = Fill(value, e);
                }
                return filled;
            case JsonArray a:
                var items = new JsonArray();
                foreach (var item in a)
                {
                    items.Add(Fill(item, e));
                }
                return items;
            case JsonValue v when v.TryGetValue<string>(out var s):
                var trimmed = s.Trim();
                if (trimmed == "{{event}}")
                {
                    return e.DeepClone();
                }
                if (trimmed.StartsWith("{{", StringComparison.Ordinal) && trimmed.EndsWith("}}", StringComparison.Ordinal) &&
                    trimmed.IndexOf("{{", 2, StringComparison.Ordinal) < 0 && e.TryGetPropertyValue(trimmed[2..^2].Trim(), out var whole))
                {
                    // A value that is just one placeholder keeps the field's JSON type (numbers, objects, null).
                    return whole?.DeepClone();
                }
                return JsonValue.Create(Substitute(s, e));
            default:
                return node?.DeepClone();
        }
    }

    private static string Substitute(string text, JsonObject e)
    {
        var result = new System.Text.StringBuilder();
        var i = 0;
        while (i < text.Length)
        {
            var open = text.IndexOf("{{", i, StringComparison.Ordinal);
            var close = open < 0 ? -1 : text.IndexOf("}}", open + 2, StringComparison.Ordinal);
            if (close < 0)
            {
                result.Append(text, i, text.Length - i);
                break;
            }
            result.Append(text, i, open - i);
            var name = text[(open + 2)..close].Trim();
            if (e.TryGetPropertyValue(name, out var value))
            {
                result.Append(value is JsonValue jv && jv.TryGetValue<string>(out var str) ? str : value?.ToJsonString() ?? "");
            }
            else
            {
                result.Append(text, open, close + 2 - open);
            }
            i = close + 2;
        }
        return result.ToString();
    }
}
