namespace OmniActors.Routing;

/// <summary>
/// A routing rule: an event matching every criterion that is set enqueues <see cref="Action"/> on <see cref="Queue"/>
/// with a payload built from the event.
/// </summary>
public sealed record RouteRule
{
    /// <summary>Rule id; with the event id it names the one task a match enqueues.</summary>
    public required string Id { get; init; }
    /// <summary>A name for people.</summary>
    public required string Name { get; init; }
    /// <summary>Match this provider only.</summary>
    public string? Provider { get; init; }
    /// <summary>Match this instance only.</summary>
    public string? Instance { get; init; }
    /// <summary>Match this event type only.</summary>
    public string? EventType { get; init; }
    /// <summary>Match this content type only.</summary>
    public string? ContentType { get; init; }
    /// <summary>Match status events in this delivery state only (sent, delivered, read, failed, ...).</summary>
    public string? DeliveryStatus { get; init; }
    /// <summary>Match texts starting with this (ordinal).</summary>
    public string? TextPrefix { get; init; }
    /// <summary>Match texts this .NET regular expression finds a match in (run with a time limit).</summary>
    public string? TextRegex { get; init; }
    /// <summary>The action to enqueue.</summary>
    public required string Action { get; init; }
    /// <summary>The queue; <c>default</c> when null.</summary>
    public string? Queue { get; init; }
    /// <summary>JSON template of the payload; <c>"{{event}}"</c> values become the event, <c>{{field}}</c> in strings an event field.
    /// Null: the canonical event JSON.</summary>
    public string? PayloadTemplate { get; init; }
    /// <summary>Disabled rules match nothing.</summary>
    public bool Enabled { get; init; } = true;
    /// <summary>When it was created.</summary>
    public DateTimeOffset CreatedAt { get; init; }
    /// <summary>When it last changed.</summary>
    public DateTimeOffset UpdatedAt { get; init; }
}
