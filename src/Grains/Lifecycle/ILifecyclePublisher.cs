namespace OmniActors.Lifecycle;

/// <summary>
/// The seam for features whose events have no task row to ride with (schedules, webhooks, approvals decided outside a
/// task transition): stores the events in the event log, then notifies (Orleans streams, server-sent events).
/// Task transitions need not call it: the task store logs their events in the row's own transaction.
/// </summary>
public interface ILifecyclePublisher
{
    /// <summary>Appends the events to the event log (done once committed), then publishes them. <see cref="LifecycleEvent.Silo"/> is filled in if empty.</summary>
    Task PublishAsync(IReadOnlyList<LifecycleEvent> events, CancellationToken cancellationToken = default);
}
