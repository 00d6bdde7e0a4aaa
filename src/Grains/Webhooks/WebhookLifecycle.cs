using System.Globalization;
using Microsoft.Extensions.Logging;
using OmniActors.Lifecycle;

namespace OmniActors.Webhooks;

/// <summary>
/// The webhook pipeline's lifecycle events (kind <c>webhook</c>), on the stream and in the event log of the instance's
/// queue name <see cref="QueueName"/> (<c>webhooks/{provider}/{instance}</c>), so one filter follows an instance's whole
/// pipeline: <c>received</c> (id: raw capture id), <c>normalized</c> and <c>routed</c> (id: omni event id), <c>rejected</c>
/// (id: a fresh <c>rej…</c> id; nothing else is stored). Never waited on: <see cref="ILifecyclePublisher"/> only queues
/// the events for its batched background loop, so the webhook's acknowledgement and ingest never wait for the log. A
/// failed write costs those log rows and notifications, never the capture or the events, and is logged.
/// </summary>
public sealed partial class WebhookLifecycle(ILifecyclePublisher publisher, TimeProvider time, ILogger<WebhookLifecycle> logger)
{
    /// <summary>Received: a verified body was durably captured.</summary>
    public const string Received = "received";

    /// <summary>Normalized: a canonical event was stored (detail: its event type and raw capture).</summary>
    public const string Normalized = "normalized";

    /// <summary>Routed: a rule enqueued a task for an event (detail: rule, task and its queue).</summary>
    public const string Routed = "routed";

    /// <summary>Rejected: a forged or missing signature, or a refused handshake (detail: reason, provider, instance).</summary>
    public const string Rejected = "rejected";

    /// <summary>The queue (stream key) of an instance's webhook events.</summary>
    public static string QueueName(string provider, string instance) => $"webhooks/{provider}/{instance}";

    /// <summary>Publishes <c>received</c> for a capture just stored.</summary>
    public void OnReceived(RawCapture raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        Publish(raw.Id, raw.Provider, raw.Instance, Received,
            string.Create(CultureInfo.InvariantCulture, $"bytes={raw.Body.Length}"), action: null);
    }

    /// <summary>Publishes <c>normalized</c> for a canonical event just stored.</summary>
    public void OnNormalized(OmniEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        Publish(e.Id, e.Provider, e.Instance, Normalized, $"event_type={e.EventType} raw={e.RawId}", action: null);
    }

    /// <summary>Publishes <c>routed</c> for a task a rule just enqueued for an event.</summary>
    public void OnRouted(OmniEvent e, string ruleId, string taskId, string queue, string action)
    {
        ArgumentNullException.ThrowIfNull(e);
        Publish(e.Id, e.Provider, e.Instance, Routed, $"rule={ruleId} task={taskId} queue={queue}", action);
    }

    /// <summary>Publishes <c>rejected</c> for a request refused at verification.</summary>
    public void OnRejected(string provider, string instance, string reason) =>
        Publish("rej" + Guid.CreateVersion7().ToString("N"), provider, instance, Rejected,
            $"reason={reason} provider={provider} instance={instance}", action: null);

    private void Publish(string id, string provider, string instance, string type, string detail, string? action)
    {
        var e = new LifecycleEvent
        {
            Kind = LifecycleKind.Webhook,
            Id = id,
            Queue = QueueName(provider, instance),
            Type = type,
            At = time.GetUtcNow(),
            Detail = detail,
            Action = action,
        };
        Task publishing;
        try
        {
            publishing = publisher.PublishAsync([e]);
        }
#pragma warning disable CA1031 // A notification that cannot be queued must not fail the webhook or its ingest.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogPublishFailed(ex, type, id);
            return;
        }
        _ = publishing.ContinueWith(t => LogPublishFailed(t.Exception!, type, id), CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook lifecycle event {Type} of {Id} could not be logged or published")]
    private partial void LogPublishFailed(Exception exception, string type, string id);
}
