using System.Threading.Channels;
using Microsoft.Extensions.Options;
using OmniActors.Errors;
using Orleans.Runtime;

namespace OmniActors.Lifecycle;

/// <summary>
/// Log first (durable), then notify: a reader never sees an event the log cannot replay. One loop per silo appends
/// what callers published meanwhile in one transaction (group commit, in publish order), so a caller that does not
/// wait (a schedule grain keeping its timer on time) costs no database round trip in its turn.
/// </summary>
internal sealed class LifecyclePublisher : ILifecyclePublisher, IAsyncDisposable
{
    private const int MaxBatch = 512;

    private readonly EventLogStore _store;
    private readonly LifecycleFeed _feed;
    private readonly EventLogOptions _options;
    private readonly string _silo;
    private readonly Channel<(IReadOnlyList<LifecycleEvent> Events, TaskCompletionSource Done)> _pending =
        Channel.CreateUnbounded<(IReadOnlyList<LifecycleEvent>, TaskCompletionSource)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;

    public LifecyclePublisher(EventLogStore store, LifecycleFeed feed, IOptions<EventLogOptions> options, ILocalSiloDetails silo)
    {
        _store = store;
        _feed = feed;
        _options = options.Value;
        _silo = silo.SiloAddress.ToParsableString();
        _loop = Task.Run(RunAsync);
    }

    public Task PublishAsync(IReadOnlyList<LifecycleEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            return Task.CompletedTask;
        }
        var stamped = events.Select(e => e.Silo is null ? e with { Silo = _silo } : e).ToList();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_pending.Writer.TryWrite((stamped, done)))
        {
            done.TrySetException(new StorageUnavailableException("The event log is shutting down."));
        }
        return done.Task;
    }

    private async Task RunAsync()
    {
        var reader = _pending.Reader;
        var batch = new List<(IReadOnlyList<LifecycleEvent> Events, TaskCompletionSource Done)>();
        while (await reader.WaitToReadAsync())
        {
            batch.Clear();
            var count = 0;
            while (count < MaxBatch && reader.TryRead(out var item))
            {
                batch.Add(item);
                count += item.Events.Count;
            }
            var events = batch.SelectMany(b => b.Events).ToList();
            try
            {
                if (_options.Enabled)
                {
                    await _store.AppendAsync(events);
                }
                _feed.Post(events);
                foreach (var b in batch)
                {
                    b.Done.TrySetResult();
                }
            }
#pragma warning disable CA1031 // Every caller of the batch gets the failure; the loop goes on with the next batch.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                var error = ex as OmniException ?? new StorageUnavailableException($"The event log could not be written: {ex.Message}");
                foreach (var b in batch)
                {
                    b.Done.TrySetException(error);
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        await _loop;
    }
}
