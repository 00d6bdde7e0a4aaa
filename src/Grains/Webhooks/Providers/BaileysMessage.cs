using System.Text.Json;
using System.Text.Json.Nodes;

namespace OmniActors.Webhooks.Providers;

/// <summary>What a Baileys (WhatsApp Web protocol) message says, as Evolution API forwards it in <c>data.message</c>.</summary>
internal readonly record struct BaileysContent(string EventType, string ContentType, string? Text = null, EventMedia? Media = null, string? ReplyTo = null);

/// <summary>Reads the content of a Baileys <c>WAMessage.message</c>: its proto fields as JSON, one of which is set.</summary>
internal static class BaileysMessage
{
    // Envelopes that hold the real message one level down: disappearing, view-once, captioned documents, edits.
    private static readonly string[] Wrappers =
    [
        "ephemeralMessage", "viewOnceMessage", "viewOnceMessageV2", "viewOnceMessageV2Extension",
        "documentWithCaptionMessage", "editedMessage", "deviceSentMessage",
    ];

    private static readonly string[] PollCreations = ["pollCreationMessage", "pollCreationMessageV2", "pollCreationMessageV3"];

    /// <summary>The content of <paramref name="message"/>; details without a canonical field go to <paramref name="metadata"/>.</summary>
    public static BaileysContent Read(JsonElement message, string? mediaUrl, JsonObject metadata)
    {
        message = Unwrap(message);
        if (message.TryObject("protocolMessage", out var protocol))
        {
            return Protocol(protocol, metadata);
        }
        if (message.Text("conversation") is { } conversation)
        {
            return new(OmniEventTypes.Message, OmniContentTypes.Text, conversation);
        }
        if (message.TryObject("extendedTextMessage", out var extended))
        {
            metadata.Put("matched_text", extended.Text("matchedText"));
            return new(OmniEventTypes.Message, OmniContentTypes.Text, extended.Text("text"));
        }
        if (message.TryObject("imageMessage", out var image))
        {
            return Media(image, OmniContentTypes.Image, mediaUrl, metadata);
        }
        if (message.TryObject("audioMessage", out var audio))
        {
            if (audio.Flag("ptt"))
            {
                metadata["voice"] = true;
            }
            metadata.Put("seconds", audio.Int64("seconds"));
            return Media(audio, OmniContentTypes.Audio, mediaUrl, metadata);
        }
        if (message.TryObject("videoMessage", out var video) || message.TryObject("ptvMessage", out video))
        {
            metadata.Put("seconds", video.Int64("seconds"));
            if (video.Flag("gifPlayback"))
            {
                metadata["gif"] = true;
            }
            return Media(video, OmniContentTypes.Video, mediaUrl, metadata);
        }
        if (message.TryObject("documentMessage", out var document))
        {
            metadata.Put("file_name", document.Text("fileName") ?? document.Text("title"));
            return Media(document, OmniContentTypes.Document, mediaUrl, metadata);
        }
        if (message.TryObject("stickerMessage", out var sticker))
        {
            if (sticker.Flag("isAnimated"))
            {
                metadata["animated"] = true;
            }
            return Media(sticker, OmniContentTypes.Sticker, mediaUrl, metadata) with { EventType = OmniEventTypes.Sticker };
        }
        if (message.TryObject("reactionMessage", out var reaction))
        {
            // An empty reaction text takes the reaction back.
            var emoji = reaction.Text("text");
            return new(OmniEventTypes.Reaction, OmniContentTypes.Reaction, string.IsNullOrEmpty(emoji) ? null : emoji,
                ReplyTo: reaction.TryObject("key", out var reacted) ? reacted.Text("id") : null);
        }
        foreach (var name in PollCreations)
        {
            if (message.TryObject(name, out var poll))
            {
                return Poll(poll, metadata);
            }
        }
        if (message.TryObject("pollUpdateMessage", out var vote))
        {
            if (vote.TryObject("vote", out var ballot))
            {
                metadata["vote"] = ballot.Copy();
            }
            return new(OmniEventTypes.PollVote, OmniContentTypes.Poll,
                ReplyTo: vote.TryObject("pollCreationMessageKey", out var pollKey) ? pollKey.Text("id") : null);
        }
        if (message.TryObject("locationMessage", out var location) || message.TryObject("liveLocationMessage", out location))
        {
            metadata.Put("latitude", location.Double("degreesLatitude"));
            metadata.Put("longitude", location.Double("degreesLongitude"));
            metadata.Put("location_name", location.Text("name"));
            metadata.Put("address", location.Text("address"));
            if (message.Has("liveLocationMessage"))
            {
                metadata["live"] = true;
            }
            return new(OmniEventTypes.Message, OmniContentTypes.Location, location.Text("name") ?? location.Text("address") ?? location.Text("caption"));
        }
        if (message.TryObject("contactMessage", out var contact))
        {
            var card = new JsonObject();
            card.Put("display_name", contact.Text("displayName"));
            card.Put("vcard", contact.Text("vcard"));
            metadata["contacts"] = new JsonArray(card);
            return new(OmniEventTypes.Message, OmniContentTypes.Contacts, contact.Text("displayName"));
        }
        if (message.TryObject("contactsArrayMessage", out var contacts))
        {
            var cards = new JsonArray();
            if (contacts.TryArray("contacts", out var list))
            {
                foreach (var item in list.EnumerateArray())
                {
                    var card = new JsonObject();
                    card.Put("display_name", item.Text("displayName"));
                    card.Put("vcard", item.Text("vcard"));
                    cards.Add(card);
                }
            }
            metadata["contacts"] = cards;
            return new(OmniEventTypes.Message, OmniContentTypes.Contacts, contacts.Text("displayName"));
        }
        if (message.TryObject("buttonsResponseMessage", out var buttons))
        {
            metadata.Put("interactive_id", buttons.Text("selectedButtonId"));
            return new(OmniEventTypes.Interaction, OmniContentTypes.Interactive, buttons.Text("selectedDisplayText"));
        }
        if (message.TryObject("templateButtonReplyMessage", out var template))
        {
            metadata.Put("interactive_id", template.Text("selectedId"));
            return new(OmniEventTypes.Interaction, OmniContentTypes.Interactive, template.Text("selectedDisplayText"));
        }
        if (message.TryObject("listResponseMessage", out var listReply))
        {
            metadata.Put("interactive_id", listReply.TryObject("singleSelectReply", out var row) ? row.Text("selectedRowId") : null);
            return new(OmniEventTypes.Interaction, OmniContentTypes.Interactive, listReply.Text("title"));
        }
        return new(OmniEventTypes.Message, OmniContentTypes.None);
    }

    /// <summary>The id of the message <paramref name="message"/> quotes, from the <c>contextInfo</c> of its content.</summary>
    public static string? QuotedId(JsonElement message)
    {
        message = Unwrap(message);
        if (message.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        foreach (var member in message.EnumerateObject())
        {
            if (member.Value.TryObject("contextInfo", out var context) && context.Text("stanzaId") is { Length: > 0 } id)
            {
                return id;
            }
        }
        return null;
    }

    private static JsonElement Unwrap(JsonElement message)
    {
        // Bounded: wrappers nest at most a few levels, and a hostile payload must not make us loop.
        for (var depth = 0; depth < 4; depth++)
        {
            var unwrapped = false;
            foreach (var wrapper in Wrappers)
            {
                if (message.TryObject(wrapper, out var outer) && outer.TryObject("message", out var inner))
                {
                    message = inner;
                    unwrapped = true;
                    break;
                }
            }
            if (!unwrapped)
            {
                break;
            }
        }
        return message;
    }

    private static BaileysContent Protocol(JsonElement protocol, JsonObject metadata)
    {
        var type = protocol.Text("type");
        metadata.Put("protocol_type", type);
        var target = protocol.TryObject("key", out var key) ? key.Text("id") : null;
        switch (type)
        {
            case "REVOKE" or "0":
                return new(OmniEventTypes.Delete, OmniContentTypes.None, ReplyTo: target);
            case "MESSAGE_EDIT" or "14":
                var edited = protocol.TryObject("editedMessage", out var replacement)
                    ? Read(replacement, null, metadata)
                    : new BaileysContent(OmniEventTypes.Message, OmniContentTypes.None);
                return edited with { EventType = OmniEventTypes.Edit, ReplyTo = target };
            default:
                // History sync, ephemeral settings, key shares: the protocol talking to itself.
                return new(OmniEventTypes.System, OmniContentTypes.None, ReplyTo: target);
        }
    }

    private static BaileysContent Poll(JsonElement poll, JsonObject metadata)
    {
        if (poll.TryArray("options", out var options))
        {
            var names = new JsonArray();
            foreach (var option in options.EnumerateArray())
            {
                names.Add(option.Text("optionName"));
            }
            metadata["options"] = names;
        }
        metadata.Put("selectable_options_count", poll.Int64("selectableOptionsCount"));
        return new(OmniEventTypes.Poll, OmniContentTypes.Poll, poll.Text("name"));
    }

    private static BaileysContent Media(JsonElement media, string contentType, string? mediaUrl, JsonObject metadata)
    {
        metadata.Put("file_sha256", media.Text("fileSha256"));
        var caption = media.Text("caption");
        return new(OmniEventTypes.Message, contentType, caption,
            new EventMedia(mediaUrl ?? media.Text("url"), media.Text("mimetype"), media.Int64("fileLength"), caption, media.Text("directPath")));
    }
}
