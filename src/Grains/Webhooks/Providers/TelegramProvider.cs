using System.Text.Json;
using System.Text.Json.Nodes;

namespace OmniActors.Webhooks.Providers;

/// <summary>
/// Telegram Bot API webhooks: authenticated by the <c>secret_token</c> given to <c>setWebhook</c>, which Telegram
/// echoes in <c>X-Telegram-Bot-Api-Secret-Token</c>; one <c>Update</c> per request, its <c>update_id</c> the event id.
/// </summary>
public sealed class TelegramProvider : IWebhookProvider
{
    /// <summary>The provider's name in routes and rows.</summary>
    public const string ProviderName = "telegram";

    /// <summary>The header carrying the webhook's secret token.</summary>
    public const string SecretTokenHeader = "X-Telegram-Bot-Api-Secret-Token";

    // Service messages: the message exists but says something happened to the chat, not what a person wrote.
    private static readonly string[] ServiceMembers =
    [
        "new_chat_members", "left_chat_member", "new_chat_title", "new_chat_photo", "delete_chat_photo",
        "group_chat_created", "supergroup_chat_created", "channel_chat_created", "message_auto_delete_timer_changed",
        "migrate_to_chat_id", "migrate_from_chat_id", "pinned_message", "forum_topic_created", "forum_topic_closed",
        "forum_topic_reopened", "forum_topic_edited", "video_chat_started", "video_chat_ended", "video_chat_scheduled",
        "video_chat_participants_invited", "users_shared", "chat_shared", "write_access_allowed",
    ];

    /// <inheritdoc />
    public string Name => ProviderName;

    /// <inheritdoc />
    public WebhookVerification Verify(WebhookRequest request, WebhookInstanceSecrets secrets)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(secrets);
        var token = request.Header(SecretTokenHeader);
        if (string.IsNullOrEmpty(token))
        {
            return WebhookVerification.Missing;
        }
        // An instance without a secret accepts nothing: failing closed beats accepting anyone's updates.
        if (string.IsNullOrEmpty(secrets.Secret))
        {
            return WebhookVerification.Forged;
        }
        return WebhookSecrets.TokenEquals(token, secrets.Secret) ? WebhookVerification.Verified : WebhookVerification.Forged;
    }

    /// <inheritdoc />
    public ReadOnlyMemory<byte> Sanitize(ReadOnlyMemory<byte> body) => body;

    /// <inheritdoc />
    public string? ImmediateReply(JsonElement payload) => null;

    /// <inheritdoc />
    public IReadOnlyList<NormalizedEvent> Normalize(JsonElement payload)
    {
        var updateId = payload.Text("update_id");
        try
        {
            if (payload.TryObject("message", out var message))
            {
                return [FromMessage(message, updateId, edited: false, channel: false)];
            }
            if (payload.TryObject("edited_message", out message))
            {
                return [FromMessage(message, updateId, edited: true, channel: false)];
            }
            if (payload.TryObject("channel_post", out message))
            {
                return [FromMessage(message, updateId, edited: false, channel: true)];
            }
            if (payload.TryObject("edited_channel_post", out message))
            {
                return [FromMessage(message, updateId, edited: true, channel: true)];
            }
            if (payload.TryObject("callback_query", out var callback))
            {
                return [FromCallbackQuery(callback, updateId)];
            }
            if (payload.TryObject("message_reaction", out var reaction))
            {
                return [FromReaction(reaction, updateId)];
            }
        }
        catch (InvalidOperationException)
        {
            // A member of an unexpected kind deep in the update: keep it as unknown rather than lose it.
        }
        return UnknownEvent.Of(payload, updateId, UpdateKind(payload));
    }

    private static NormalizedEvent FromMessage(JsonElement message, string? updateId, bool edited, bool channel)
    {
        var metadata = new JsonObject();
        metadata.Put("message_id", message.Text("message_id"));
        if (channel)
        {
            metadata["channel"] = true;
        }
        var (chatId, _) = Chat(message, metadata);
        var (senderHandle, senderName) = Sender(message, metadata);
        var content = Content(message, metadata);

        string eventType;
        string? replyTo;
        if (edited)
        {
            eventType = OmniEventTypes.Edit;
            // An edit points at the message it changes; the reply it may itself be stays in metadata.
            replyTo = message.Text("message_id");
            if (message.TryObject("reply_to_message", out var original))
            {
                metadata.Put("reply_to_message_id", original.Text("message_id"));
            }
        }
        else
        {
            eventType = content.ContentType switch
            {
                OmniContentTypes.Sticker => OmniEventTypes.Sticker,
                OmniContentTypes.Poll => OmniEventTypes.Poll,
                _ when content.Service is not null => OmniEventTypes.System,
                _ => OmniEventTypes.Message,
            };
            replyTo = message.TryObject("reply_to_message", out var original) ? original.Text("message_id") : null;
        }

        return new NormalizedEvent
        {
            EventType = eventType,
            ProviderEventId = updateId,
            SenderHandle = senderHandle,
            SenderName = senderName,
            ChatId = chatId,
            ContentType = content.ContentType,
            Text = content.Text,
            Media = content.Media,
            ReplyTo = replyTo,
            ProviderTimestamp = edited ? message.UnixSeconds("edit_date") ?? message.UnixSeconds("date") : message.UnixSeconds("date"),
            Metadata = metadata,
        };
    }

    private static NormalizedEvent FromCallbackQuery(JsonElement callback, string? updateId)
    {
        var metadata = new JsonObject();
        metadata.Put("callback_query_id", callback.Text("id"));
        metadata.Put("chat_instance", callback.Text("chat_instance"));
        metadata.Put("inline_message_id", callback.Text("inline_message_id"));
        metadata.Put("game_short_name", callback.Text("game_short_name"));
        string? chatId = null;
        string? replyTo = null;
        if (callback.TryObject("message", out var message))
        {
            (chatId, _) = Chat(message, metadata);
            replyTo = message.Text("message_id");
        }
        var (senderHandle, senderName) = Sender(callback, metadata);
        return new NormalizedEvent
        {
            EventType = OmniEventTypes.Interaction,
            ProviderEventId = updateId,
            SenderHandle = senderHandle,
            SenderName = senderName,
            ChatId = chatId,
            ContentType = OmniContentTypes.Interactive,
            Text = callback.Text("data"),
            ReplyTo = replyTo,
            Metadata = metadata,
        };
    }

    private static NormalizedEvent FromReaction(JsonElement reaction, string? updateId)
    {
        var metadata = new JsonObject();
        var (chatId, _) = Chat(reaction, metadata);
        string? senderHandle;
        string? senderName;
        if (reaction.TryObject("user", out var user))
        {
            (senderHandle, senderName) = (user.Text("id"), PersonName(user));
            metadata.Put("username", user.Text("username"));
        }
        else if (reaction.TryObject("actor_chat", out var actor))
        {
            (senderHandle, senderName) = (actor.Text("id"), actor.Text("title"));
        }
        else
        {
            (senderHandle, senderName) = (null, null);
        }
        string? emoji = null;
        if (reaction.TryArray("new_reaction", out var added))
        {
            foreach (var item in added.EnumerateArray())
            {
                emoji = item.Text("emoji") ?? item.Text("custom_emoji_id");
                if (emoji is not null)
                {
                    break;
                }
            }
            metadata.Put("new_reaction", added.Copy());
        }
        if (reaction.TryArray("old_reaction", out var removed))
        {
            metadata.Put("old_reaction", removed.Copy());
        }
        return new NormalizedEvent
        {
            EventType = OmniEventTypes.Reaction,
            ProviderEventId = updateId,
            SenderHandle = senderHandle,
            SenderName = senderName,
            ChatId = chatId,
            ContentType = OmniContentTypes.Reaction,
            // No emoji left means the reaction was taken back.
            Text = emoji,
            ReplyTo = reaction.Text("message_id"),
            ProviderTimestamp = reaction.UnixSeconds("date"),
            Metadata = metadata,
        };
    }

    private static (string? Id, string? Type) Chat(JsonElement message, JsonObject metadata)
    {
        if (!message.TryObject("chat", out var chat))
        {
            return (null, null);
        }
        var type = chat.Text("type");
        metadata.Put("chat_type", type);
        metadata.Put("chat_title", chat.Text("title"));
        return (chat.Text("id"), type);
    }

    private static (string? Handle, string? Name) Sender(JsonElement message, JsonObject metadata)
    {
        if (message.TryObject("from", out var from))
        {
            metadata.Put("username", from.Text("username"));
            if (from.Flag("is_bot"))
            {
                metadata["is_bot"] = true;
            }
            return (from.Text("id"), PersonName(from));
        }
        // Channel posts and anonymous group admins speak as a chat.
        if (message.TryObject("sender_chat", out var senderChat))
        {
            return (senderChat.Text("id"), senderChat.Text("title"));
        }
        return (null, null);
    }

    private static string? PersonName(JsonElement user)
    {
        var first = user.Text("first_name");
        var last = user.Text("last_name");
        return (first, last) switch
        {
            (null, null) => user.Text("username"),
            (not null, null) => first,
            (null, not null) => last,
            _ => $"{first} {last}",
        };
    }

    private readonly record struct MessageContent(string ContentType, string? Text, EventMedia? Media, string? Service = null);

    private static MessageContent Content(JsonElement message, JsonObject metadata)
    {
        var caption = message.Text("caption");
        if (message.TryArray("photo", out var sizes))
        {
            // Telegram lists a photo in increasing sizes; the last is the original.
            JsonElement largest = default;
            foreach (var size in sizes.EnumerateArray())
            {
                largest = size;
            }
            metadata.Put("file_unique_id", largest.Text("file_unique_id"));
            metadata.Put("width", largest.Int64("width"));
            metadata.Put("height", largest.Int64("height"));
            return new(OmniContentTypes.Image, caption, File(largest, caption, "image/jpeg"));
        }
        if (message.TryObject("voice", out var voice))
        {
            metadata["voice"] = true;
            metadata.Put("duration", voice.Int64("duration"));
            return new(OmniContentTypes.Audio, caption, File(voice, caption));
        }
        if (message.TryObject("audio", out var audio))
        {
            metadata.Put("duration", audio.Int64("duration"));
            metadata.Put("title", audio.Text("title"));
            metadata.Put("performer", audio.Text("performer"));
            metadata.Put("file_name", audio.Text("file_name"));
            return new(OmniContentTypes.Audio, caption, File(audio, caption));
        }
        if (message.TryObject("video", out var video) || message.TryObject("video_note", out video) || message.TryObject("animation", out video))
        {
            metadata.Put("duration", video.Int64("duration"));
            metadata.Put("file_name", video.Text("file_name"));
            if (message.Has("video_note"))
            {
                metadata["video_note"] = true;
            }
            else if (message.Has("animation"))
            {
                metadata["animation"] = true;
            }
            return new(OmniContentTypes.Video, caption, File(video, caption));
        }
        if (message.TryObject("document", out var document))
        {
            metadata.Put("file_name", document.Text("file_name"));
            return new(OmniContentTypes.Document, caption, File(document, caption));
        }
        if (message.TryObject("sticker", out var sticker))
        {
            metadata.Put("set_name", sticker.Text("set_name"));
            metadata.Put("sticker_type", sticker.Text("type"));
            if (sticker.Flag("is_animated"))
            {
                metadata["is_animated"] = true;
            }
            if (sticker.Flag("is_video"))
            {
                metadata["is_video"] = true;
            }
            var mime = sticker.Flag("is_animated") ? "application/x-tgsticker" : sticker.Flag("is_video") ? "video/webm" : "image/webp";
            return new(OmniContentTypes.Sticker, sticker.Text("emoji"), File(sticker, null, mime));
        }
        if (message.TryObject("location", out var location))
        {
            metadata.Put("latitude", location.Double("latitude"));
            metadata.Put("longitude", location.Double("longitude"));
            string? text = null;
            if (message.TryObject("venue", out var venue))
            {
                text = venue.Text("title");
                metadata.Put("venue_title", text);
                metadata.Put("venue_address", venue.Text("address"));
            }
            return new(OmniContentTypes.Location, text, null);
        }
        if (message.TryObject("contact", out var contact))
        {
            var shared = new JsonObject();
            shared.Put("phone_number", contact.Text("phone_number"));
            shared.Put("first_name", contact.Text("first_name"));
            shared.Put("last_name", contact.Text("last_name"));
            shared.Put("user_id", contact.Text("user_id"));
            shared.Put("vcard", contact.Text("vcard"));
            metadata["contacts"] = new JsonArray(shared);
            return new(OmniContentTypes.Contacts, PersonName(contact) ?? contact.Text("phone_number"), null);
        }
        if (message.TryObject("poll", out var poll))
        {
            metadata.Put("poll_id", poll.Text("id"));
            if (poll.TryArray("options", out var options))
            {
                var texts = new JsonArray();
                foreach (var option in options.EnumerateArray())
                {
                    texts.Add(option.Text("text"));
                }
                metadata["options"] = texts;
            }
            return new(OmniContentTypes.Poll, poll.Text("question"), null);
        }
        if (message.Text("text") is { } text2)
        {
            metadata.Put("entities", message.TryArray("entities", out var entities) ? entities.Copy() : null);
            return new(IsCommand(message) ? OmniContentTypes.Command : OmniContentTypes.Text, text2, null);
        }
        foreach (var member in ServiceMembers)
        {
            if (message.Has(member))
            {
                metadata["service"] = member;
                return new(OmniContentTypes.None, null, null, member);
            }
        }
        return new(OmniContentTypes.None, caption, null);
    }

    private static bool IsCommand(JsonElement message)
    {
        if (!message.TryArray("entities", out var entities))
        {
            return false;
        }
        foreach (var entity in entities.EnumerateArray())
        {
            if (entity.Text("type") == "bot_command" && entity.Int64("offset") == 0)
            {
                return true;
            }
        }
        return false;
    }

    private static EventMedia File(JsonElement file, string? caption, string? defaultMimeType = null) =>
        new(Url: null, file.Text("mime_type") ?? defaultMimeType, file.Int64("file_size"), caption, file.Text("file_id"));

    private static string? UpdateKind(JsonElement payload)
    {
        if (payload.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        foreach (var member in payload.EnumerateObject())
        {
            if (member.Name != "update_id")
            {
                return member.Name;
            }
        }
        return null;
    }
}
