using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Org.BouncyCastle.Math.EC.Rfc8032;

namespace OmniActors.Webhooks.Providers;

/// <summary>
/// Discord interactions webhooks: each request is signed with Ed25519 over the <c>X-Signature-Timestamp</c> header
/// followed by the raw body, the signature in <c>X-Signature-Ed25519</c> (hex), checked against the application's
/// public key (hex, the instance's secret). A PING is answered with a PONG; commands, components, autocomplete and
/// modal submits become <see cref="OmniEventTypes.Interaction"/> events.
/// </summary>
public sealed class DiscordProvider : IWebhookProvider
{
    /// <summary>The provider's name in routes and rows.</summary>
    public const string ProviderName = "discord";

    /// <summary>The header carrying the hex Ed25519 signature.</summary>
    public const string SignatureHeader = "X-Signature-Ed25519";

    /// <summary>The header carrying the signed timestamp.</summary>
    public const string TimestampHeader = "X-Signature-Timestamp";

    /// <summary>The answer Discord requires to a PING.</summary>
    public const string Pong = """{"type":1}""";

    private const long DiscordEpochMilliseconds = 1_420_070_400_000;

    /// <inheritdoc />
    public string Name => ProviderName;

    /// <inheritdoc />
    public WebhookVerification Verify(WebhookRequest request, WebhookInstanceSecrets secrets)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(secrets);
        var signatureHex = request.Header(SignatureHeader);
        var timestamp = request.Header(TimestampHeader);
        if (string.IsNullOrEmpty(signatureHex) || string.IsNullOrEmpty(timestamp))
        {
            return WebhookVerification.Missing;
        }
        Span<byte> publicKey = stackalloc byte[Ed25519.PublicKeySize];
        Span<byte> signature = stackalloc byte[Ed25519.SignatureSize];
        // A public key that is not 32 bytes of hex is a misconfigured instance: it verifies nothing.
        if (!WebhookSecrets.TryDecodeHex(secrets.Secret.AsSpan().Trim(), publicKey)
            || !WebhookSecrets.TryDecodeHex(signatureHex.AsSpan().Trim(), signature))
        {
            return WebhookVerification.Forged;
        }
        return VerifySignature(publicKey, signature, timestamp, request.Body.Span) ? WebhookVerification.Verified : WebhookVerification.Forged;
    }

    /// <inheritdoc />
    public DateTimeOffset? SignedAt(WebhookRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return long.TryParse(request.Header(TimestampHeader), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
               && seconds <= DateTimeOffset.MaxValue.ToUnixTimeSeconds()
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : DateTimeOffset.MinValue; // Signed, but not with a time we can read: as stale as can be.
    }

    /// <summary>True when <paramref name="signature"/> is the Ed25519 signature by <paramref name="publicKey"/> of the timestamp then the body.</summary>
    public static bool VerifySignature(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> signature, string timestamp, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(timestamp);
        if (publicKey.Length != Ed25519.PublicKeySize || signature.Length != Ed25519.SignatureSize)
        {
            return false;
        }
        var timestampLength = Encoding.UTF8.GetByteCount(timestamp);
        var message = ArrayPool<byte>.Shared.Rent(timestampLength + body.Length);
        try
        {
            var written = Encoding.UTF8.GetBytes(timestamp, message);
            body.CopyTo(message.AsSpan(written));
            return Ed25519.Verify(signature, publicKey, message.AsSpan(0, written + body.Length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(message);
        }
    }

    /// <inheritdoc />
    public ReadOnlyMemory<byte> Sanitize(ReadOnlyMemory<byte> body) => body;

    /// <inheritdoc />
    public string? ImmediateReply(JsonElement payload) => payload.Int64("type") == 1 ? Pong : null;

    /// <inheritdoc />
    public IReadOnlyList<NormalizedEvent> Normalize(JsonElement payload)
    {
        var id = payload.Text("id");
        var type = payload.Int64("type");
        try
        {
            switch (type)
            {
                case 1:
                    return [Event(payload, id, OmniEventTypes.System, OmniContentTypes.None, "ping", Describe(payload, "ping"))];
                case 2 or 4:
                    return [Command(payload, id, autocomplete: type == 4)];
                case 3:
                    return [Component(payload, id)];
                case 5:
                    return [ModalSubmit(payload, id)];
            }
        }
        catch (InvalidOperationException)
        {
            // A member of an unexpected kind deep in the interaction: keep it as unknown rather than lose it.
        }
        return UnknownEvent.Of(payload, id, type?.ToString(CultureInfo.InvariantCulture));
    }

    private static NormalizedEvent Command(JsonElement payload, string? id, bool autocomplete)
    {
        var metadata = Describe(payload, autocomplete ? "autocomplete" : "application_command");
        payload.TryObject("data", out var data);
        var name = data.Text("name");
        metadata.Put("command_id", data.Text("id"));
        metadata.Put("command_name", name);
        metadata.Put("command_type", data.Int64("type"));
        metadata.Put("target_id", data.Text("target_id"));

        var line = new StringBuilder("/").Append(name);
        var options = new JsonObject();
        string? focused = null;
        if (data.TryArray("options", out var list))
        {
            AppendOptions(list, line, options, ref focused);
        }
        metadata["options"] = options;
        metadata.Put("focused_option", focused);
        return Event(payload, id, OmniEventTypes.Interaction, OmniContentTypes.Command, line.ToString(), metadata);
    }

    private static void AppendOptions(JsonElement options, StringBuilder line, JsonObject values, ref string? focused, int depth = 0)
    {
        foreach (var option in options.EnumerateArray())
        {
            var name = option.Text("name");
            if (name is null)
            {
                continue;
            }
            // Subcommands and their groups (types 1 and 2) are words of the command, their options nest below.
            if (option.TryArray("options", out var nested) && depth < 3)
            {
                line.Append(' ').Append(name);
                AppendOptions(nested, line, values, ref focused, depth + 1);
                continue;
            }
            if (option.Int64("type") is 1 or 2)
            {
                line.Append(' ').Append(name);
                continue;
            }
            if (!option.TryGetProperty("value", out var value))
            {
                continue;
            }
            line.Append(' ').Append(name).Append('=').Append(value.AsText());
            values[name] = value.Copy();
            if (option.Flag("focused"))
            {
                focused = name;
            }
        }
    }

    private static NormalizedEvent Component(JsonElement payload, string? id)
    {
        var metadata = Describe(payload, "message_component");
        payload.TryObject("data", out var data);
        var customId = data.Text("custom_id");
        metadata.Put("custom_id", customId);
        metadata.Put("component_type", data.Int64("component_type"));
        if (data.TryArray("values", out var values))
        {
            metadata["values"] = values.Copy();
        }
        var replyTo = payload.TryObject("message", out var message) ? message.Text("id") : null;
        return Event(payload, id, OmniEventTypes.Interaction, OmniContentTypes.Interactive, customId, metadata, replyTo);
    }

    private static NormalizedEvent ModalSubmit(JsonElement payload, string? id)
    {
        var metadata = Describe(payload, "modal_submit");
        payload.TryObject("data", out var data);
        var customId = data.Text("custom_id");
        metadata.Put("custom_id", customId);
        var fields = new JsonObject();
        if (data.TryArray("components", out var components))
        {
            CollectFields(components, fields, 0);
        }
        metadata["fields"] = fields;
        var replyTo = payload.TryObject("message", out var message) ? message.Text("id") : null;
        return Event(payload, id, OmniEventTypes.Interaction, OmniContentTypes.Interactive, customId, metadata, replyTo);
    }

    /// <summary>Every input of a modal by its custom id: text inputs have a value, selects a list of values.</summary>
    private static void CollectFields(JsonElement components, JsonObject fields, int depth)
    {
        foreach (var component in components.EnumerateArray())
        {
            CollectField(component, fields, depth);
        }
    }

    private static void CollectField(JsonElement component, JsonObject fields, int depth)
    {
        // Bounded: Discord nests inputs at most two levels (row or label, then input).
        if (depth > 4)
        {
            return;
        }
        if (component.Text("custom_id") is { } customId)
        {
            if (component.TryArray("values", out var values))
            {
                fields[customId] = values.Copy();
            }
            else if (component.TryGetProperty("value", out var value) && value.Copy() is { } copy)
            {
                fields[customId] = copy;
            }
        }
        // Action rows hold components; labels hold one.
        if (component.TryArray("components", out var children))
        {
            CollectFields(children, fields, depth + 1);
        }
        if (component.TryObject("component", out var child))
        {
            CollectField(child, fields, depth + 1);
        }
    }

    private static JsonObject Describe(JsonElement payload, string kind)
    {
        var metadata = new JsonObject { ["interaction_type"] = kind };
        metadata.Put("application_id", payload.Text("application_id"));
        metadata.Put("guild_id", payload.Text("guild_id"));
        metadata.Put("locale", payload.Text("locale"));
        // Actions answer an interaction through its token (valid 15 minutes); without it they cannot reply.
        metadata.Put("interaction_token", payload.Text("token"));
        return metadata;
    }

    private static NormalizedEvent Event(JsonElement payload, string? id, string eventType, string contentType, string? text,
        JsonObject metadata, string? replyTo = null)
    {
        string? senderHandle = null;
        string? senderName = null;
        if (payload.TryObject("member", out var member) && member.TryObject("user", out var user) || payload.TryObject("user", out user))
        {
            senderHandle = user.Text("id");
            senderName = member.Text("nick") ?? user.Text("global_name") ?? user.Text("username");
            metadata.Put("username", user.Text("username"));
        }
        return new NormalizedEvent
        {
            EventType = eventType,
            ProviderEventId = id,
            SenderHandle = senderHandle,
            SenderName = senderName,
            RecipientHandle = payload.Text("application_id"),
            ChatId = payload.Text("channel_id") ?? (payload.TryObject("channel", out var channel) ? channel.Text("id") : null),
            ContentType = contentType,
            Text = text,
            ReplyTo = replyTo,
            ProviderTimestamp = SnowflakeTime(id),
            Metadata = metadata,
        };
    }

    /// <summary>The creation time inside a Discord snowflake id: milliseconds since 2015 in its top 42 bits.</summary>
    private static DateTimeOffset? SnowflakeTime(string? id) =>
        ulong.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var snowflake) && snowflake > 0
            ? DateTimeOffset.FromUnixTimeMilliseconds((long)(snowflake >> 22) + DiscordEpochMilliseconds)
            : null;
}
