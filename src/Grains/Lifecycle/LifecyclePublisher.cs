using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace OmniActors.Lifecycle;

/// <summary>Log first (durable), then notify: a reader never sees an event the log cannot replay.</summary>
internal sealed class LifecyclePublisher(EventLogStore store, LifecycleFeed feed, IOptions<EventLogOptions> options, ILocalSiloDetails silo)
    : ILifecyclePublisher
{
    private readonly string _silo = silo.SiloAddress.ToParsableString();

    public async Task PublishAsync(IReadOnlyList<LifecycleEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            return;
        }
        var stamped = events.Select(e => e.Silo is null ? e with { Silo = _silo } : e).ToList();
        if (options.Value.Enabled)
        {
            await store.AppendAsync(stamped, cancellationToken);
        }
        feed.Post(stamped);
    }
}
