using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OmniActors.Webhooks.Providers;

/// <summary>
/// Evolution API v2 (WhatsApp through Baileys) webhooks: an envelope of <c>event</c>, <c>instance</c>, <c>data</c>,
/// <c>destination</c>, <c>date_time</c>, <c>sender</c>, <c>server_url</c> and <c>apikey</c>. Evolution signs nothing:
/// a request is authenticated by the instance token it carries in the body's <c>apikey</c> (or an <c>apikey</c> header),
/// and that token is cut out of the body before it is stored.
/// </summary>
public sealed class EvolutionProvider : IWebhookProvider
{
    /// <summary>The provider's name in routes and rows.</summary>
    public const string ProviderName = "evolution";

    /// <summary>The header, and the body member, carrying the instance token.</summary>
    public const string ApiKeyName = "apikey";

    private static readonly Dictionary<string, string> StatusNames = new(StringComparer.OrdinalIgnoreCase)
    {
        ["ERROR"] = "failed", ["0"] = "failed",
        ["PENDING"] = "pending", ["1"] = "pending",
        ["SERVER_ACK"] = "sent", ["2"] = "sent",
        ["DELIVERY_ACK"] = "delivered", ["3"] = "delivered",
        ["READ"] = "read", ["4"] = "read",
        ["PLAYED"] = "played", ["5"] = "played",
    };

    /// <inheritdoc />
    public string Name => ProviderName;

    /// <inheritdoc />
    public WebhookVerification Verify(WebhookRequest request, WebhookInstanceSecrets secrets)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(secrets);
        // Either copy may authenticate (Evolution sends the body's; a proxy may add the header), but when both are there
        // they must agree: a valid header must not vouch for a body that names another instance's key.
        var header = request.Header(ApiKeyName);
        var body = EvolutionBody.ApiKey(request.Body.Span);
        if (string.IsNullOrEmpty(header) && string.IsNullOrEmpty(body))
        {
            return WebhookVerification.Missing;
        }
        if (string.IsNullOrEmpty(secrets.Secret))
        {
            return WebhookVerification.Forged;
        }
        var headerOk = string.IsNullOrEmpty(header) || WebhookSecrets.TokenEquals(header, secrets.Secret);
        var bodyOk = string.IsNullOrEmpty(body) || WebhookSecrets.TokenEquals(body, secrets.Secret);
        return headerOk && bodyOk ? WebhookVerification.Verified : WebhookVerification.Forged;
    }

    /// <inheritdoc />
    public ReadOnlyMemory<byte> Sanitize(ReadOnlyMemory<byte> body) => EvolutionBody.WithoutApiKey(body);

    /// <inheritdoc />
    public string? ImmediateReply(JsonElement payload) => null;

    /// <summary>The canonical form of an event name: <c>MESSAGES_UPSERT</c>, <c>messages-upsert</c> and <c>messages.upsert</c> are one event.</summary>
    public static string CanonicalEventName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return string.Create(name.Length, name, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                var c = source[i];
                span[i] = c is '_' or '-' ? '.' : char.ToLowerInvariant(c);
            }
        });
    }

    /// <inheritdoc />
    public IReadOnlyList<NormalizedEvent> Normalize(JsonElement payload)
    {
        var rawName = payload.Text("event");
        if (rawName is null || !payload.Has("data"))
        {
            return UnknownEvent.Of(payload, kind: rawName);
        }
        var name = CanonicalEventName(rawName);
        var envelope = Envelope.Of(payload);
        var data = payload.GetProperty("data");
        var events = new List<NormalizedEvent>();
        switch (name)
        {
            case "messages.upsert" or "send.message" or "messages.edited":
                ForEach(data, item => FromMessage(item, envelope, forceEdit: name == "messages.edited"), events);
                break;
            case "messages.update":
                ForEach(data, item => FromStatus(item, envelope), events);
                break;
            case "messages.delete":
                ForEach(data, item => FromDelete(item, envelope), events);
                break;
            case "call":
                ForEach(data, item => FromCall(item, envelope), events);
                break;
            case "connection.update" or "qrcode.updated" or "application.startup" or "logout.instance" or "remove.instance" or "status.instance":
                if (data.ValueKind == JsonValueKind.Object)
                {
                    events.Add(FromInstanceEvent(name, data, envelope));
                }
                break;
        }
        return events.Count > 0 ? events : UnknownEvent.Of(payload, kind: rawName);
    }

    private static void ForEach(JsonElement data, Func<JsonElement, NormalizedEvent?> read, List<NormalizedEvent> events)
    {
        if (data.ValueKind == JsonValueKind.Object)
        {
            Add(read, data, events);
        }
        else if (data.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in data.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.Object)
                {
                    Add(read, item, events);
                }
            }
        }
    }

    private static void Add(Func<JsonElement, NormalizedEvent?> read, JsonElement item, List<NormalizedEvent> events)
    {
        try
        {
            if (read(item) is { } e)
            {
                events.Add(e);
            }
        }
        catch (InvalidOperationException)
        {
            // One item of an unexpected kind must not cost the others; the raw body keeps it.
        }
    }

    /// <summary>What the envelope says about every event in it: our instance, our own JID, when it was sent.</summary>
    private readonly record struct Envelope(string? Instance, string? OwnJid, DateTimeOffset? DateTime)
    {
        public static Envelope Of(JsonElement payload) => new(
            payload.Text("instance"),
            payload.Text("sender"),
            DateTimeOffset.TryParse(payload.Text("date_time"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null);

        public JsonObject Describe()
        {
            var metadata = new JsonObject();
            metadata.Put("instance", Instance);
            return metadata;
        }
    }

    private static NormalizedEvent? FromMessage(JsonElement data, Envelope envelope, bool forceEdit)
    {
        data.TryObject("key", out var key);
        var remoteJid = key.Text("remoteJid") ?? data.Text("remoteJid");
        var fromMe = key.Flag("fromMe");
        var isGroup = IsGroup(remoteJid);
        var metadata = envelope.Describe();
        metadata.Put("message_type", data.Text("messageType"));
        metadata.Put("source", data.Text("source"));
        metadata.Put("addressing_mode", key.Text("addressingMode"));

        data.TryObject("message", out var message);
        // messages.edited posts the protocol message itself: the original's key, the new content in editedMessage.
        var editOfKey = false;
        if (forceEdit && message.ValueKind != JsonValueKind.Object && data.TryObject("editedMessage", out var editedContent))
        {
            editOfKey = true;
            message = editedContent;
            metadata.Put("protocol_type", data.Text("type"));
        }
        var mediaUrl = data.Text("mediaUrl") ?? message.Text("mediaUrl");
        var content = BaileysMessage.Read(message, mediaUrl, metadata);
        var replyTo = content.ReplyTo ?? BaileysMessage.QuotedId(message)
            ?? (data.TryObject("contextInfo", out var context) ? context.Text("stanzaId") : null);
        var eventType = content.EventType;
        if (forceEdit && eventType != OmniEventTypes.Edit)
        {
            eventType = OmniEventTypes.Edit;
            replyTo ??= key.Text("id");
        }

        string? sender;
        string? recipient;
        IReadOnlyList<string> aliases = [];
        if (fromMe)
        {
            sender = isGroup ? key.Text("participant") ?? envelope.OwnJid : envelope.OwnJid;
            recipient = remoteJid;
            // The other side's alternate JID is theirs, not the sender's: keep it for the pipeline to see.
            var remoteAlternates = Alternates(key, remoteJid, "remoteJidAlt", "senderPn", "senderLid");
            metadata.Put("remote_jid_alt", remoteAlternates.Count > 0 ? remoteAlternates[0] : null);
        }
        else if (isGroup)
        {
            sender = key.Text("participant") ?? data.Text("participant");
            recipient = envelope.OwnJid;
            aliases = Alternates(key, sender, "participantAlt", "participantPn", "participantLid", "senderPn", "senderLid");
        }
        else
        {
            sender = remoteJid;
            recipient = envelope.OwnJid;
            aliases = Alternates(key, sender, "remoteJidAlt", "senderPn", "senderLid");
        }

        return new NormalizedEvent
        {
            EventType = eventType,
            // An edit posted under the original's key is its own event: its id must not be the message's, or whichever
            // arrives second is dropped as a duplicate of the other.
            ProviderEventId = editOfKey ? EditId(key.Text("id"), data, message) : key.Text("id"),
            Direction = fromMe ? EventDirections.Outbound : EventDirections.Inbound,
            SenderHandle = sender,
            SenderName = data.Text("pushName") is { Length: > 0 } pushName ? pushName : null,
            SenderAliases = aliases,
            RecipientHandle = recipient,
            ChatId = remoteJid,
            ContentType = content.ContentType,
            Text = content.Text,
            Media = content.Media,
            ReplyTo = replyTo,
            ProviderTimestamp = data.UnixSeconds("messageTimestamp") ?? envelope.DateTime,
            Metadata = metadata,
        };
    }

    /// <summary>
    /// The id of an edit of message <paramref name="original"/>: the original's id, "edit" and the edit's time (or its
    /// content's hash), so a redelivery of one edit dedupes and two edits of one message do not.
    /// </summary>
    private static string? EditId(string? original, JsonElement data, JsonElement content)
    {
        if (original is null)
        {
            return null;
        }
        var when = data.Text("timestampMs") ?? data.Text("messageTimestamp")
            ?? Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(content.GetRawText())).AsSpan(0, 8));
        return $"{original}:edit:{when}";
    }

    private static NormalizedEvent? FromStatus(JsonElement data, Envelope envelope)
    {
        data.TryObject("key", out var key);
        var messageId = data.Text("keyId") ?? key.Text("id") ?? data.Text("id");
        var rawStatus = data.Text("status") ?? (data.TryObject("update", out var update) ? update.Text("status") : null);
        if (messageId is null || rawStatus is null)
        {
            return null;
        }
        var status = StatusNames.TryGetValue(rawStatus, out var known) ? known : rawStatus.ToLowerInvariant();
        var remoteJid = data.Text("remoteJid") ?? key.Text("remoteJid");
        var fromMe = data.Flag("fromMe") || key.Flag("fromMe");
        var metadata = envelope.Describe();
        metadata.Put("raw_status", rawStatus);
        metadata.Put("message_db_id", data.Text("messageId"));
        if (data.TryArray("pollUpdates", out var pollUpdates))
        {
            metadata["poll_updates"] = pollUpdates.Copy();
        }
        return new NormalizedEvent
        {
            EventType = OmniEventTypes.Status,
            ProviderEventId = $"{messageId}:{status}",
            // Our message's status moves as they receive and read it; theirs as we do.
            Direction = fromMe ? EventDirections.Outbound : EventDirections.Inbound,
            SenderHandle = fromMe ? envelope.OwnJid : remoteJid,
            RecipientHandle = fromMe ? remoteJid : envelope.OwnJid,
            ChatId = remoteJid,
            ReplyTo = messageId,
            Status = status,
            ProviderTimestamp = data.UnixSeconds("timestamp") ?? data.UnixSeconds("datetime") ?? envelope.DateTime,
            Metadata = metadata,
        };
    }

    private static NormalizedEvent? FromDelete(JsonElement data, Envelope envelope)
    {
        var key = data.TryObject("key", out var inner) ? inner : data;
        var messageId = key.Text("id");
        if (messageId is null)
        {
            return null;
        }
        var remoteJid = key.Text("remoteJid");
        var fromMe = key.Flag("fromMe");
        return new NormalizedEvent
        {
            EventType = OmniEventTypes.Delete,
            ProviderEventId = $"{messageId}:delete",
            Direction = fromMe ? EventDirections.Outbound : EventDirections.Inbound,
            SenderHandle = fromMe ? envelope.OwnJid : key.Text("participant") ?? remoteJid,
            RecipientHandle = fromMe ? remoteJid : envelope.OwnJid,
            ChatId = remoteJid,
            ReplyTo = messageId,
            ProviderTimestamp = envelope.DateTime,
            Metadata = envelope.Describe(),
        };
    }

    private static NormalizedEvent? FromCall(JsonElement data, Envelope envelope)
    {
        var callId = data.Text("id");
        var status = data.Text("status");
        var metadata = envelope.Describe();
        if (data.Flag("isVideo"))
        {
            metadata["video"] = true;
        }
        if (data.Flag("isGroup"))
        {
            metadata["group"] = true;
        }
        var from = data.Text("from");
        return new NormalizedEvent
        {
            EventType = OmniEventTypes.Call,
            ProviderEventId = callId is null ? null : $"{callId}:{status}",
            SenderHandle = from,
            RecipientHandle = envelope.OwnJid,
            ChatId = data.Text("chatId") ?? from,
            Text = status,
            Status = status,
            ProviderTimestamp = DateTimeOffset.TryParse(data.Text("date"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
                ? at : envelope.DateTime,
            Metadata = metadata,
        };
    }

    private static NormalizedEvent FromInstanceEvent(string name, JsonElement data, Envelope envelope)
    {
        var metadata = envelope.Describe();
        metadata["event"] = name;
        var state = data.Text("state") ?? data.Text("status");
        metadata.Put("state", state);
        metadata.Put("status_reason", data.Text("statusReason"));
        metadata.Put("wuid", data.Text("wuid"));
        metadata.Put("profile_name", data.Text("profileName"));
        return new NormalizedEvent
        {
            EventType = OmniEventTypes.System,
            SenderHandle = data.Text("wuid") ?? envelope.OwnJid,
            Text = name == "connection.update" ? state : name,
            ProviderTimestamp = envelope.DateTime,
            Metadata = metadata,
        };
    }

    private static bool IsGroup(string? jid) => jid is not null && jid.EndsWith("@g.us", StringComparison.OrdinalIgnoreCase);

    /// <summary>The other JIDs (<c>@lid</c> or phone number) the key names for <paramref name="primary"/>.</summary>
    private static List<string> Alternates(JsonElement key, string? primary, params ReadOnlySpan<string> members)
    {
        var found = new List<string>(0);
        foreach (var member in members)
        {
            if (key.Text(member) is { Length: > 0 } jid && !string.Equals(jid, primary, StringComparison.OrdinalIgnoreCase)
                && !found.Contains(jid, StringComparer.OrdinalIgnoreCase))
            {
                found.Add(jid);
            }
        }
        return found;
    }
}
