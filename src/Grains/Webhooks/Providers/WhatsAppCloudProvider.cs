using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OmniActors.Webhooks.Providers;

/// <summary>
/// WhatsApp Business Cloud API webhooks: POSTs signed with <c>X-Hub-Signature-256</c> (HMAC-SHA256 of the raw body
/// with the app secret) and a GET subscription handshake. One payload carries any number of messages and statuses
/// under <c>entry[].changes[].value</c>; each becomes its own event. A payload with none of them (account or
/// template updates, shapes we do not know) is one <see cref="OmniEventTypes.Unknown"/> event.
/// </summary>
public sealed class WhatsAppCloudProvider : IWebhookProvider
{
    /// <summary>The provider's name in routes and rows.</summary>
    public const string ProviderName = "whatsapp";

    /// <summary>The header carrying the body's signature.</summary>
    public const string SignatureHeader = "X-Hub-Signature-256";

    private const string SignaturePrefix = "sha256=";

    /// <inheritdoc />
    public string Name => ProviderName;

    /// <summary>
    /// The GET subscription handshake: when <paramref name="mode"/> is <c>subscribe</c> and <paramref name="verifyToken"/>
    /// equals the instance's verify token, the challenge to echo as the plain-text answer; otherwise null (answer 403).
    /// </summary>
    public static string? AnswerSubscription(string? mode, string? verifyToken, string? challenge, WebhookInstanceSecrets secrets)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        if (!string.Equals(mode, "subscribe", StringComparison.Ordinal) || string.IsNullOrEmpty(challenge)
            || string.IsNullOrEmpty(verifyToken) || string.IsNullOrEmpty(secrets.VerifyToken))
        {
            return null;
        }
        return WebhookSecrets.TokenEquals(verifyToken, secrets.VerifyToken) ? challenge : null;
    }

    /// <inheritdoc />
    public WebhookVerification Verify(WebhookRequest request, WebhookInstanceSecrets secrets)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(secrets);
        var header = request.Header(SignatureHeader);
        if (string.IsNullOrWhiteSpace(header))
        {
            return WebhookVerification.Missing;
        }
        var presented = header.AsSpan().Trim();
        if (!presented.StartsWith(SignaturePrefix, StringComparison.OrdinalIgnoreCase) || string.IsNullOrEmpty(secrets.Secret))
        {
            return WebhookVerification.Forged;
        }
        Span<byte> signature = stackalloc byte[HMACSHA256.HashSizeInBytes];
        if (!WebhookSecrets.TryDecodeHex(presented[SignaturePrefix.Length..], signature))
        {
            return WebhookVerification.Forged;
        }
        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(secrets.Secret), request.Body.Span, expected);
        return CryptographicOperations.FixedTimeEquals(signature, expected) ? WebhookVerification.Verified : WebhookVerification.Forged;
    }

    /// <inheritdoc />
    public ReadOnlyMemory<byte> Sanitize(ReadOnlyMemory<byte> body) => body;

    /// <inheritdoc />
    public string? ImmediateReply(JsonElement payload) => null;

    /// <inheritdoc />
    public IReadOnlyList<NormalizedEvent> Normalize(JsonElement payload)
    {
        var events = new List<NormalizedEvent>();
        string? firstField = null;
        if (payload.TryArray("entry", out var entries))
        {
            foreach (var entry in entries.EnumerateArray())
            {
                if (!entry.TryArray("changes", out var changes))
                {
                    continue;
                }
                foreach (var change in changes.EnumerateArray())
                {
                    firstField ??= change.Text("field");
                    if (change.TryObject("value", out var value))
                    {
                        ReadValue(value, events);
                    }
                }
            }
        }
        return events.Count > 0 ? events : UnknownEvent.Of(payload, kind: firstField ?? payload.Text("object"));
    }

    private static void ReadValue(JsonElement value, List<NormalizedEvent> events)
    {
        var business = Business.Of(value);
        if (value.TryArray("messages", out var messages))
        {
            foreach (var message in messages.EnumerateArray())
            {
                Add(events, message, value, business, Item.Message);
            }
        }
        // Coexistence: messages the business sent from the WhatsApp Business app, echoed to the API.
        if (value.TryArray("message_echoes", out var echoes))
        {
            foreach (var message in echoes.EnumerateArray())
            {
                Add(events, message, value, business, Item.Echo);
            }
        }
        if (value.TryArray("statuses", out var statuses))
        {
            foreach (var status in statuses.EnumerateArray())
            {
                Add(events, status, value, business, Item.Status);
            }
        }
    }

    private enum Item
    {
        Message,
        Echo,
        Status,
    }

    private static void Add(List<NormalizedEvent> events, JsonElement item, JsonElement value, Business business, Item kind)
    {
        try
        {
            var read = kind switch
            {
                Item.Status => FromStatus(item, business),
                _ => FromMessage(item, value, business, echo: kind == Item.Echo),
            };
            if (read is { } e)
            {
                events.Add(e);
            }
        }
        catch (InvalidOperationException)
        {
            // One item of an unexpected kind must not cost the other events of the payload; the raw body keeps it.
        }
    }

    /// <summary>Our side of the conversation: the business phone number the webhook is for.</summary>
    private readonly record struct Business(string? DisplayPhoneNumber, string? PhoneNumberId)
    {
        public static Business Of(JsonElement value) =>
            value.TryObject("metadata", out var metadata)
                ? new(metadata.Text("display_phone_number"), metadata.Text("phone_number_id"))
                : default;

        public string? Handle => DisplayPhoneNumber ?? PhoneNumberId;

        public JsonObject Describe()
        {
            var metadata = new JsonObject();
            metadata.Put("phone_number_id", PhoneNumberId);
            metadata.Put("display_phone_number", DisplayPhoneNumber);
            return metadata;
        }
    }

    private static NormalizedEvent? FromMessage(JsonElement message, JsonElement value, Business business, bool echo)
    {
        if (message.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        var metadata = business.Describe();
        var type = message.Text("type");
        metadata.Put("message_type", type);
        var from = message.Text("from");
        string? replyTo = null;
        if (message.TryObject("context", out var context))
        {
            replyTo = context.Text("id");
            metadata.Put("context_from", context.Text("from"));
            if (context.Flag("forwarded") || context.Flag("frequently_forwarded"))
            {
                metadata["forwarded"] = true;
            }
        }
        if (message.TryArray("errors", out var errors))
        {
            metadata["errors"] = errors.Copy();
        }

        var content = Content(message, type, metadata);
        if (content.ReplyTo is not null)
        {
            replyTo = content.ReplyTo;
        }
        // A group message carries its group: that is the chat (a reply must go to the group, not privately to the sender).
        var group = message.Text("group_id");
        metadata.Put("group_id", group);
        string? sender, recipient, chat;
        if (echo)
        {
            (sender, recipient, chat) = (from ?? business.Handle, message.Text("to"), group ?? message.Text("to"));
        }
        else
        {
            (sender, recipient, chat) = (from, business.Handle, group ?? from);
        }

        return new NormalizedEvent
        {
            EventType = content.EventType,
            ProviderEventId = message.Text("id"),
            Direction = echo ? EventDirections.Outbound : EventDirections.Inbound,
            SenderHandle = sender,
            SenderName = echo ? null : ContactName(value, from),
            RecipientHandle = recipient,
            ChatId = chat,
            ContentType = content.ContentType,
            Text = content.Text,
            Media = content.Media,
            ReplyTo = replyTo,
            ProviderTimestamp = message.UnixSeconds("timestamp"),
            Metadata = metadata,
        };
    }

    private readonly record struct MessageContent(string EventType, string ContentType, string? Text = null, EventMedia? Media = null, string? ReplyTo = null);

    private static MessageContent Content(JsonElement message, string? type, JsonObject metadata)
    {
        switch (type)
        {
            case "text":
                return new(OmniEventTypes.Message, OmniContentTypes.Text, message.TryObject("text", out var text) ? text.Text("body") : null);
            case "image":
                return Media(message, type, OmniContentTypes.Image, metadata);
            case "audio":
                return Media(message, type, OmniContentTypes.Audio, metadata);
            case "video":
                return Media(message, type, OmniContentTypes.Video, metadata);
            case "document":
                return Media(message, type, OmniContentTypes.Document, metadata);
            case "sticker":
                return Media(message, type, OmniContentTypes.Sticker, metadata) with { EventType = OmniEventTypes.Sticker };
            case "location" when message.TryObject("location", out var location):
                metadata.Put("latitude", location.Double("latitude"));
                metadata.Put("longitude", location.Double("longitude"));
                metadata.Put("location_name", location.Text("name"));
                metadata.Put("address", location.Text("address"));
                metadata.Put("url", location.Text("url"));
                return new(OmniEventTypes.Message, OmniContentTypes.Location, location.Text("name") ?? location.Text("address"));
            case "contacts" when message.TryArray("contacts", out var contacts):
                metadata["contacts"] = contacts.Copy();
                string? first = null;
                foreach (var contact in contacts.EnumerateArray())
                {
                    first = contact.TryObject("name", out var name) ? name.Text("formatted_name") : null;
                    break;
                }
                return new(OmniEventTypes.Message, OmniContentTypes.Contacts, first);
            case "reaction" when message.TryObject("reaction", out var reaction):
                // No emoji means the reaction was removed.
                return new(OmniEventTypes.Reaction, OmniContentTypes.Reaction, reaction.Text("emoji"), ReplyTo: reaction.Text("message_id"));
            case "interactive" when message.TryObject("interactive", out var interactive):
                return Interactive(interactive, metadata);
            case "button" when message.TryObject("button", out var button):
                metadata["interactive_type"] = "button";
                metadata.Put("interactive_id", button.Text("payload"));
                return new(OmniEventTypes.Interaction, OmniContentTypes.Interactive, button.Text("text"));
            case "system" when message.TryObject("system", out var system):
                metadata.Put("system_type", system.Text("type"));
                metadata.Put("new_wa_id", system.Text("new_wa_id") ?? system.Text("wa_id"));
                return new(OmniEventTypes.System, OmniContentTypes.None, system.Text("body"));
            default:
                // Orders, referrals, unsupported messages: a message all the same, its details in the raw body.
                return new(OmniEventTypes.Message, OmniContentTypes.None);
        }
    }

    private static MessageContent Media(JsonElement message, string type, string contentType, JsonObject metadata)
    {
        if (!message.TryObject(type, out var media))
        {
            return new(OmniEventTypes.Message, contentType);
        }
        metadata.Put("sha256", media.Text("sha256"));
        metadata.Put("file_name", media.Text("filename"));
        if (media.Flag("voice"))
        {
            metadata["voice"] = true;
        }
        if (media.Flag("animated"))
        {
            metadata["animated"] = true;
        }
        var caption = media.Text("caption");
        return new(OmniEventTypes.Message, contentType, caption,
            new EventMedia(media.Text("url"), media.Text("mime_type"), media.Int64("file_size"), caption, media.Text("id")));
    }

    private static MessageContent Interactive(JsonElement interactive, JsonObject metadata)
    {
        var kind = interactive.Text("type");
        metadata.Put("interactive_type", kind);
        if (kind is not null && interactive.TryObject(kind, out var reply))
        {
            metadata.Put("interactive_id", reply.Text("id"));
            metadata.Put("description", reply.Text("description"));
            // Flows answer with their form as a JSON string.
            metadata.Put("response_json", reply.Text("response_json"));
            return new(OmniEventTypes.Interaction, OmniContentTypes.Interactive, reply.Text("title") ?? reply.Text("body"));
        }
        return new(OmniEventTypes.Interaction, OmniContentTypes.Interactive);
    }

    private static NormalizedEvent? FromStatus(JsonElement status, Business business)
    {
        var messageId = status.Text("id");
        var state = status.Text("status");
        if (messageId is null || state is null)
        {
            return null;
        }
        var metadata = business.Describe();
        metadata.Put("recipient_type", status.Text("recipient_type"));
        if (status.TryObject("conversation", out var conversation))
        {
            metadata.Put("conversation_id", conversation.Text("id"));
            metadata.Put("conversation_origin", conversation.TryObject("origin", out var origin) ? origin.Text("type") : null);
        }
        if (status.TryObject("pricing", out var pricing))
        {
            metadata.Put("pricing_category", pricing.Text("category"));
            metadata.Put("billable", pricing.Has("billable") ? JsonValue.Create(pricing.Flag("billable")) : null);
        }
        if (status.TryArray("errors", out var errors))
        {
            metadata["errors"] = errors.Copy();
        }
        var recipient = status.Text("recipient_id");
        return new NormalizedEvent
        {
            EventType = OmniEventTypes.Status,
            // One message moves through several statuses: each is its own event.
            ProviderEventId = $"{messageId}:{state}",
            Direction = EventDirections.Outbound,
            SenderHandle = business.Handle,
            RecipientHandle = recipient,
            ChatId = recipient,
            ReplyTo = messageId,
            Status = state,
            ProviderTimestamp = status.UnixSeconds("timestamp"),
            Metadata = metadata,
        };
    }

    private static string? ContactName(JsonElement value, string? waId)
    {
        if (!value.TryArray("contacts", out var contacts))
        {
            return null;
        }
        string? first = null;
        foreach (var contact in contacts.EnumerateArray())
        {
            var name = contact.TryObject("profile", out var profile) ? profile.Text("name") : null;
            if (waId is not null && contact.Text("wa_id") == waId)
            {
                return name;
            }
            first ??= name;
        }
        return first;
    }
}
