namespace OmniActors.Webhooks;

/// <summary>One stored, provider-neutral event (an <c>omni_events</c> row).</summary>
public sealed record OmniEvent
{
    /// <summary>The event id, derived from provider, instance and provider event id (so a redelivery names the same event).</summary>
    public required string Id { get; init; }
    /// <summary>Provider name.</summary>
    public required string Provider { get; init; }
    /// <summary>Instance name.</summary>
    public required string Instance { get; init; }
    /// <summary>The provider's id of the event; with provider and instance the dedupe key.</summary>
    public required string ProviderEventId { get; init; }
    /// <summary>One of <see cref="OmniEventTypes"/>.</summary>
    public required string EventType { get; init; }
    /// <summary>inbound or outbound.</summary>
    public string Direction { get; init; } = EventDirections.Inbound;
    /// <summary>The sender's identity.</summary>
    public string? SenderIdentityId { get; init; }
    /// <summary>The sender's provider handle.</summary>
    public string? SenderHandle { get; init; }
    /// <summary>The sender's display name.</summary>
    public string? SenderName { get; init; }
    /// <summary>The recipient's identity.</summary>
    public string? RecipientIdentityId { get; init; }
    /// <summary>The recipient's provider handle.</summary>
    public string? RecipientHandle { get; init; }
    /// <summary>Chat or conversation id.</summary>
    public string? ChatId { get; init; }
    /// <summary>One of <see cref="OmniContentTypes"/>.</summary>
    public string ContentType { get; init; } = OmniContentTypes.None;
    /// <summary>Text, caption, command or emoji.</summary>
    public string? Text { get; init; }
    /// <summary>Attached media.</summary>
    public EventMedia? Media { get; init; }
    /// <summary>Provider id of the message replied to, reacted to, edited or deleted.</summary>
    public string? ReplyTo { get; init; }
    /// <summary>The raw capture this event came from (null once purged by retention).</summary>
    public string? RawId { get; init; }
    /// <summary>Provider-specific details as a JSON object text.</summary>
    public string? Metadata { get; init; }
    /// <summary><c>pending</c> (stored, not routed yet) or <c>processed</c>.</summary>
    public string Status { get; init; } = EventStatuses.Pending;
    /// <summary>For a <see cref="OmniEventTypes.Status"/> event: the delivery state (sent, delivered, read, failed, ...); otherwise null.</summary>
    public string? DeliveryStatus { get; init; }
    /// <summary>Times ingest was retried for this event.</summary>
    public int RetryCount { get; init; }
    /// <summary>When the provider says it happened.</summary>
    public DateTimeOffset? ProviderTimestamp { get; init; }
    /// <summary>When the webhook was received.</summary>
    public required DateTimeOffset ReceivedAt { get; init; }
    /// <summary>When routing finished.</summary>
    public DateTimeOffset? ProcessedAt { get; init; }
}

/// <summary>Processing states of an event row.</summary>
public static class EventStatuses
{
    /// <summary>Stored; routing not finished.</summary>
    public const string Pending = "pending";
    /// <summary>Routed.</summary>
    public const string Processed = "processed";
}

/// <summary>A verified raw webhook body as stored.</summary>
public sealed record RawCapture(string Id, string Provider, string Instance, string BodyHash, string Body, DateTimeOffset ReceivedAt,
    DateTimeOffset? ProcessedAt = null, int Attempts = 0, string? LastError = null)
{
    /// <summary>
    /// The recorded trace context of the webhook request that stored it, which its ingest continues; held in memory only, so
    /// a capture finished by recovery starts a trace of its own.
    /// </summary>
    public System.Diagnostics.ActivityContext Origin { get; init; }
}

/// <summary>Filters of the recent-events query; every filter is optional.</summary>
public sealed record EventQuery
{
    /// <summary>Only status events in this delivery state (sent, delivered, read, failed, ...).</summary>
    public string? DeliveryStatus { get; init; }

    /// <summary>Instance name.</summary>
    public string? Instance { get; init; }
    /// <summary>Chat id.</summary>
    public string? Chat { get; init; }
    /// <summary>Identity id (events of identities merged into it included).</summary>
    public string? Identity { get; init; }
    /// <summary>Received at or after.</summary>
    public DateTimeOffset? From { get; init; }
    /// <summary>Received before.</summary>
    public DateTimeOffset? To { get; init; }
    /// <summary>Page size (1 to 500).</summary>
    public int Limit { get; init; } = 50;
    /// <summary>Opaque cursor from the previous page.</summary>
    public string? Cursor { get; init; }
}

/// <summary>A page of events, newest first.</summary>
public sealed record EventPage(IReadOnlyList<OmniEvent> Items, string? NextCursor);
