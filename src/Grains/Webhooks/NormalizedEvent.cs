using System.Text.Json.Nodes;

namespace OmniActors.Webhooks;

/// <summary>
/// One provider-neutral event as a normalizer reads it from a verified payload, before the ingest pipeline
/// resolves identities, assigns the event id and stores it as an <c>omni_events</c> row.
/// </summary>
public sealed record NormalizedEvent
{
    /// <summary>The canonical type: one of <see cref="OmniEventTypes"/>.</summary>
    public required string EventType { get; init; }

    /// <summary>The provider's id of this event (message id, update id, interaction id); the dedupe key with provider
    /// and instance. Null when the payload carries none: the pipeline then derives one from the raw body's hash.</summary>
    public string? ProviderEventId { get; init; }

    /// <summary><see cref="EventDirections.Inbound"/> (to us) or <see cref="EventDirections.Outbound"/> (sent by us).</summary>
    public string Direction { get; init; } = EventDirections.Inbound;

    /// <summary>The sender's provider-native handle (WhatsApp wa_id or JID, Discord user id, Telegram user id).</summary>
    public string? SenderHandle { get; init; }

    /// <summary>The sender's display name as the provider gave it, if any.</summary>
    public string? SenderName { get; init; }

    /// <summary>Other handles the payload proves are the same sender (WhatsApp <c>@lid</c> and phone-number JIDs):
    /// the identity pipeline links them so one person is never split in two.</summary>
    public IReadOnlyList<string> SenderAliases { get; init; } = [];

    /// <summary>The recipient's provider-native handle (our business number, bot id), if the payload has one.</summary>
    public string? RecipientHandle { get; init; }

    /// <summary>The chat or conversation (group JID, Discord channel, Telegram chat id).</summary>
    public string? ChatId { get; init; }

    /// <summary>What the content is: one of <see cref="OmniContentTypes"/>.</summary>
    public string ContentType { get; init; } = OmniContentTypes.None;

    /// <summary>The text, caption, command line or reaction emoji, if any.</summary>
    public string? Text { get; init; }

    /// <summary>The attached media, if any.</summary>
    public EventMedia? Media { get; init; }

    /// <summary>The provider id of the message this one replies to, reacts to, edits or deletes.</summary>
    public string? ReplyTo { get; init; }

    /// <summary>For <see cref="OmniEventTypes.Status"/>: sent, delivered, read, failed, ...; otherwise null.</summary>
    public string? Status { get; init; }

    /// <summary>When the provider says the event happened.</summary>
    public DateTimeOffset? ProviderTimestamp { get; init; }

    /// <summary>Provider-specific details worth keeping that have no canonical column (location, poll options, command options, ...).</summary>
    public JsonObject? Metadata { get; init; }
}

/// <summary>Media attached to an event.</summary>
public sealed record EventMedia(string? Url, string? MimeType, long? Size, string? Caption, string? ProviderMediaId = null);

/// <summary>The canonical event types.</summary>
public static class OmniEventTypes
{
    /// <summary>A new message.</summary>
    public const string Message = "message";
    /// <summary>A reaction to a message.</summary>
    public const string Reaction = "reaction";
    /// <summary>An edit of an earlier message.</summary>
    public const string Edit = "edit";
    /// <summary>A deletion (revoke) of an earlier message.</summary>
    public const string Delete = "delete";
    /// <summary>A delivery status (sent, delivered, read, failed).</summary>
    public const string Status = "status";
    /// <summary>A poll created.</summary>
    public const string Poll = "poll";
    /// <summary>A vote on a poll.</summary>
    public const string PollVote = "poll_vote";
    /// <summary>A sticker.</summary>
    public const string Sticker = "sticker";
    /// <summary>A call offer or end.</summary>
    public const string Call = "call";
    /// <summary>An interaction: application command, button or select, modal submit, callback query.</summary>
    public const string Interaction = "interaction";
    /// <summary>A provider or connection event (connection update, member change).</summary>
    public const string System = "system";
    /// <summary>A payload no normalizer understood; stored, never dropped.</summary>
    public const string Unknown = "unknown";
}

/// <summary>Event directions.</summary>
public static class EventDirections
{
    /// <summary>From a person to us.</summary>
    public const string Inbound = "inbound";
    /// <summary>Sent by us (echoes, statuses of our messages).</summary>
    public const string Outbound = "outbound";
}

/// <summary>The canonical content types.</summary>
public static class OmniContentTypes
{
    /// <summary>No content (statuses, system events).</summary>
    public const string None = "none";
    /// <summary>Plain text.</summary>
    public const string Text = "text";
    /// <summary>An image.</summary>
    public const string Image = "image";
    /// <summary>Audio or a voice note.</summary>
    public const string Audio = "audio";
    /// <summary>Video.</summary>
    public const string Video = "video";
    /// <summary>A document or file.</summary>
    public const string Document = "document";
    /// <summary>A sticker.</summary>
    public const string Sticker = "sticker";
    /// <summary>A location.</summary>
    public const string Location = "location";
    /// <summary>Shared contacts.</summary>
    public const string Contacts = "contacts";
    /// <summary>A button or list reply, a component or modal submit.</summary>
    public const string Interactive = "interactive";
    /// <summary>A poll or poll vote.</summary>
    public const string Poll = "poll";
    /// <summary>A slash or application command.</summary>
    public const string Command = "command";
    /// <summary>A reaction emoji.</summary>
    public const string Reaction = "reaction";
}
