using System.Text.Json;

namespace OmniActors.Webhooks.Providers;

/// <summary>
/// Finds and cuts Evolution's top-level <c>apikey</c> in the raw body with a forward-only reader: no document is
/// built, and everything but the key stays byte for byte as received.
/// </summary>
internal static class EvolutionBody
{
    private static ReadOnlySpan<byte> ApiKeyName => "apikey"u8;

    /// <summary>The top-level <c>apikey</c> string of <paramref name="body"/>, or null (also for a body that is not JSON).</summary>
    public static string? ApiKey(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isKey = reader.ValueTextEquals(ApiKeyName);
                reader.Read();
                if (isKey && reader.TokenType == JsonTokenType.String)
                {
                    return reader.GetString();
                }
                reader.Skip();
            }
        }
        catch (JsonException)
        {
            // Not JSON: no key. The pipeline answers 400 for the body itself.
        }
        return null;
    }

    /// <summary><paramref name="body"/> without any top-level <c>apikey</c> member; the same memory when it has none.</summary>
    public static ReadOnlyMemory<byte> WithoutApiKey(ReadOnlyMemory<byte> body)
    {
        // Each member spans from its name to the end of its value; the separator before the next name goes with it.
        var span = body.Span;
        var reader = new Utf8JsonReader(span);
        List<(int Start, int End)>? cuts = null;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return body;
            }
            var previousValueEnd = -1;
            var firstNameStart = -1;
            var pendingCutStart = -1;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var nameStart = (int)reader.TokenStartIndex;
                if (firstNameStart < 0)
                {
                    firstNameStart = nameStart;
                }
                if (pendingCutStart >= 0)
                {
                    // A cut member followed by another: cut up to this name, taking its trailing comma.
                    (cuts ??= []).Add((pendingCutStart, nameStart));
                    pendingCutStart = -1;
                }
                var isKey = reader.ValueTextEquals(ApiKeyName);
                reader.Read();
                reader.Skip();
                var valueEnd = (int)reader.BytesConsumed;
                if (isKey)
                {
                    pendingCutStart = nameStart;
                }
                else
                {
                    previousValueEnd = valueEnd;
                }
                if (isKey && IsLastMember(span, valueEnd))
                {
                    // The last member: cut from the end of the last kept member, taking the comma that led here
                    // (and any keys cut since, so cuts never overlap).
                    var cutFrom = previousValueEnd >= 0 ? previousValueEnd : firstNameStart;
                    cuts?.RemoveAll(c => c.Start >= cutFrom);
                    (cuts ??= []).Add((cutFrom, valueEnd));
                    pendingCutStart = -1;
                }
            }
        }
        catch (JsonException)
        {
            return body;
        }
        if (cuts is null)
        {
            return body;
        }
        cuts.Sort();
        var result = new byte[span.Length - cuts.Sum(c => c.End - c.Start)];
        var written = 0;
        var from = 0;
        foreach (var (start, end) in cuts)
        {
            var keep = span[from..start];
            keep.CopyTo(result.AsSpan(written));
            written += keep.Length;
            from = end;
        }
        span[from..].CopyTo(result.AsSpan(written));
        return result;
    }

    private static bool IsLastMember(ReadOnlySpan<byte> body, int valueEnd)
    {
        foreach (var b in body[valueEnd..])
        {
            switch (b)
            {
                case (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n':
                    continue;
                case (byte)'}':
                    return true;
                default:
                    return false;
            }
        }
        return false;
    }
}
