using System.Globalization;
using System.Text.Json;

namespace OmniActors.Cli.Output;

/// <summary>Reads fields of API answers for the readable output, whichever of camelCase or snake_case the server used.</summary>
internal static class Fields
{
    /// <summary>The field's value as display text ("" when absent or null).</summary>
    public static string Text(this JsonElement json, string camelName)
    {
        var value = json.Field(camelName);
        return value.ValueKind switch
        {
            JsonValueKind.Undefined or JsonValueKind.Null => "",
            JsonValueKind.String when value.TryGetDateTimeOffset(out var at) && LooksLikeTime(value.GetString()!) => Time(at),
            JsonValueKind.String => value.GetString()!,
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.True => "yes",
            JsonValueKind.False => "no",
            _ => value.GetRawText(),
        };
    }

    /// <summary>The field, under its camelCase name or its snake_case one; <c>default</c> when absent.</summary>
    public static JsonElement Field(this JsonElement json, string camelName)
    {
        if (json.ValueKind != JsonValueKind.Object)
        {
            return default;
        }
        if (json.TryGetProperty(camelName, out var value))
        {
            return value;
        }
        return json.TryGetProperty(JsonNamingPolicy.SnakeCaseLower.ConvertName(camelName), out value) ? value : default;
    }

    /// <summary>The first of the fields that is present.</summary>
    public static string FirstText(this JsonElement json, params string[] camelNames)
    {
        foreach (var name in camelNames)
        {
            var text = json.Text(name);
            if (text.Length > 0)
            {
                return text;
            }
        }
        return "";
    }

    /// <summary>The items of a page (<c>{items: [...]}</c>) or of a plain array.</summary>
    public static IEnumerable<JsonElement> Items(this JsonElement json) => json.ValueKind switch
    {
        JsonValueKind.Array => json.EnumerateArray(),
        JsonValueKind.Object when json.Field("items") is { ValueKind: JsonValueKind.Array } items => items.EnumerateArray(),
        _ => [],
    };

    /// <summary>An instant as the CLI shows it: UTC, to the second.</summary>
    public static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static bool LooksLikeTime(string text) => text.Length >= 19 && text[4] == '-' && text[10] == 'T';
}
