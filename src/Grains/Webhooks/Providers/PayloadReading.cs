using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OmniActors.Webhooks.Providers;

/// <summary>
/// Tolerant reads of provider payloads: a member that is absent, null or of an unexpected kind reads as absent,
/// so a normalizer never throws on a shape it did not expect.
/// </summary>
internal static class PayloadReading
{
    /// <summary>The member <paramref name="name"/> when it is a JSON object.</summary>
    public static bool TryObject(this JsonElement element, string name, out JsonElement value) =>
        TryMember(element, name, JsonValueKind.Object, out value);

    /// <summary>The member <paramref name="name"/> when it is a JSON array.</summary>
    public static bool TryArray(this JsonElement element, string name, out JsonElement value) =>
        TryMember(element, name, JsonValueKind.Array, out value);

    /// <summary>True when <paramref name="element"/> is an object with a non-null member <paramref name="name"/>.</summary>
    public static bool Has(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value)
        && value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined);

    /// <summary>A string member as is; a number or boolean member as its JSON text (ids are numbers at some providers).</summary>
    public static string? Text(this JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out var value))
        {
            return null;
        }
        return AsText(value);
    }

    /// <summary>A string as is, a number or boolean as its JSON text, anything else null.</summary>
    public static string? AsText(this JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.TryGetInt64(out var n) ? n.ToString(CultureInfo.InvariantCulture) : value.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => null,
    };

    /// <summary>A whole-number member, from a JSON number or a numeric string.</summary>
    public static long? Int64(this JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out var value))
        {
            return null;
        }
        return value.ValueKind switch
        {
            JsonValueKind.Number when value.TryGetInt64(out var n) => n,
            JsonValueKind.Number when value.TryGetDouble(out var d) && d is >= long.MinValue and <= long.MaxValue => (long)d,
            JsonValueKind.String when long.TryParse(value.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) => s,
            // Baileys serializes Long timestamps as {"low":..,"high":..,"unsigned":..} in some versions.
            JsonValueKind.Object when value.TryGetProperty("low", out var low) && low.TryGetInt64(out var l)
                && value.TryGetProperty("high", out var high) && high.TryGetInt64(out var h) => (h << 32) | (uint)l,
            _ => null,
        };
    }

    /// <summary>A number member (latitude, longitude), from a JSON number or a numeric string.</summary>
    public static double? Double(this JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out var value))
        {
            return null;
        }
        return value.ValueKind switch
        {
            JsonValueKind.Number when value.TryGetDouble(out var d) => d,
            JsonValueKind.String when double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var s) => s,
            _ => null,
        };
    }

    /// <summary>A boolean member; a missing or non-boolean one is false.</summary>
    public static bool Flag(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.True;

    /// <summary>A time given in Unix seconds (a number or numeric string), or null when absent or out of range.</summary>
    public static DateTimeOffset? UnixSeconds(this JsonElement element, string name)
    {
        var seconds = element.Int64(name);
        // Some senders use milliseconds: a value past the year 5138 in seconds is read as milliseconds.
        return seconds switch
        {
            null or <= 0 => null,
            > 99_999_999_999 and <= 253_402_300_799_999 => DateTimeOffset.FromUnixTimeMilliseconds(seconds.Value),
            <= 253_402_300_799 => DateTimeOffset.FromUnixTimeSeconds(seconds.Value),
            _ => null,
        };
    }

    /// <summary>A standalone copy of <paramref name="value"/> for metadata: it must outlive the payload's document.</summary>
    public static JsonNode? Copy(this JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => JsonObject.Create(value.Clone()),
        JsonValueKind.Array => JsonArray.Create(value.Clone()),
        JsonValueKind.String => JsonValue.Create(value.GetString()),
        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => JsonValue.Create(value.Clone()),
        _ => null,
    };

    /// <summary>Sets <paramref name="name"/> on <paramref name="metadata"/> when <paramref name="value"/> is not null.</summary>
    public static JsonObject Put(this JsonObject metadata, string name, JsonNode? value)
    {
        if (value is not null)
        {
            metadata[name] = value;
        }
        return metadata;
    }

    private static bool TryMember(JsonElement element, string name, JsonValueKind kind, out JsonElement value)
    {
        if (element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out value) && value.ValueKind == kind)
        {
            return true;
        }
        value = default;
        return false;
    }
}
