using System.Diagnostics.Metrics;

namespace OmniActors.Webhooks;

/// <summary>Webhook counters (<c>OmniActors.Webhooks</c> meter): requests by provider and outcome, events ingested.</summary>
public sealed class WebhookMetrics
{
    /// <summary>The meter's name, exported by OpenTelemetry.</summary>
    public const string MeterName = "OmniActors.Webhooks";

    private readonly Counter<long> _requests;
    private readonly Counter<long> _events;

    // From the host's IMeterFactory (as the task metrics): a meter scoped to its container is seen by that host's exporter only.
    public WebhookMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = meters.Create(MeterName);
        _requests = meter.CreateCounter<long>("omni.webhooks.requests", description: "Webhook requests by provider and outcome.");
        _events = meter.CreateCounter<long>("omni.webhooks.events", description: "Canonical events stored, by provider and event type.");
    }

    /// <summary>Counts one webhook request's outcome (accepted, duplicate, signature_missing, signature_invalid, malformed, too_large, unknown_instance).</summary>
    public void Request(string provider, string outcome) =>
        _requests.Add(1, new KeyValuePair<string, object?>("provider", provider), new KeyValuePair<string, object?>("outcome", outcome));

    /// <summary>Counts one stored event.</summary>
    public void Event(string provider, string eventType) =>
        _events.Add(1, new KeyValuePair<string, object?>("provider", provider), new KeyValuePair<string, object?>("event_type", eventType));
}
