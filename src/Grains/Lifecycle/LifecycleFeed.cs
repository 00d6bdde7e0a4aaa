using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OmniActors.Tasks;
using Orleans.Runtime;
using Orleans.Streams;

namespace OmniActors.Lifecycle;

/// <summary>
/// The silo's one buffer between lifecycle events and Orleans streams. Grains only drop events into a bounded channel
/// (no grain message, no wait on the hot path); one loop drains it and publishes a <see cref="LifecycleBatch"/> per
/// queue stream and one on the all-events stream per flush, so a busy silo sends a few stream messages per batch
/// rather than one per transition. A full buffer drops (counted and logged): streams notify, the event log is the record.
/// It also wakes this silo's <see cref="EventLogTail"/>, which serves server-sent events from the log.
/// <para>
/// A batch goes only on streams somebody listens to (<see cref="StreamAudience"/>). Memory streams carry every item to
/// their queue grain and pulling agent whether or not a subscriber exists: with nobody listening, that was a third of a
/// silo's CPU per task under a CPU quota. The audience is asked after the batch is read, so every event posted after
/// a subscription completed reaches that subscriber.
/// </para>
/// </summary>
internal sealed partial class LifecycleFeed : ILifecycleParticipant<ISiloLifecycle>, IAsyncDisposable
{
    private readonly Channel<LifecycleEvent> _buffer;
    private readonly IServiceProvider _services;
    private readonly EventLogTail _tail;
    private readonly StreamAudience _audience;
    private readonly EventLogOptions _options;
    private readonly ILogger<LifecycleFeed> _logger;
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;
    private long _dropped;
    private long _published;
    private int _stopped;

    public LifecycleFeed(IServiceProvider services, EventLogTail tail, StreamAudience audience, IOptions<EventLogOptions> options,
        ILogger<LifecycleFeed> logger)
    {
        _services = services;
        _tail = tail;
        _audience = audience;
        _options = options.Value;
        _logger = logger;
        _buffer = Channel.CreateBounded<LifecycleEvent>(new BoundedChannelOptions(_options.StreamBufferSize)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.DropWrite,
        });
    }

    /// <summary>Events dropped because the stream buffer was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Events published on streams so far (on the all-events stream; a queue's stream may carry them too).</summary>
    public long Published => Interlocked.Read(ref _published);

    /// <summary>Takes events already stored in the log (or not logged by configuration); never blocks.</summary>
    public void Post(IReadOnlyList<LifecycleEvent> events)
    {
        _tail.Ring();
        if (!_options.Streams)
        {
            return;
        }
        foreach (var e in events)
        {
            if (!_buffer.Writer.TryWrite(e) && Interlocked.Increment(ref _dropped) % 10_000 == 1)
            {
                LogDropped(Dropped);
            }
        }
    }

    public void Participate(ISiloLifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        lifecycle.Subscribe(nameof(LifecycleFeed), ServiceLifecycleStage.Active, _ =>
        {
            if (_options.Streams)
            {
                _loop = Task.Run(RunAsync, CancellationToken.None);
            }
            return Task.CompletedTask;
        }, async _ => await StopAsync());
    }

    private async Task RunAsync()
    {
        var provider = _services.GetRequiredService<IClusterClient>().GetStreamProvider(LifecycleStreams.ProviderName);
        var all = provider.GetStream<LifecycleBatch>(StreamId.Create(LifecycleStreams.Namespace, LifecycleStreams.AllKey));
        var batch = new List<LifecycleEvent>(_options.StreamBatchSize);
        var reader = _buffer.Reader;
        try
        {
            var lastFlush = DateTimeOffset.MinValue;
            while (await reader.WaitToReadAsync(_stopping.Token))
            {
                // Linger until the flush interval passed (or a batch is full): fewer, larger stream items under load,
                // at once when idle. Live readers do not wait on this: the tail was rung when the events were posted.
                var due = lastFlush + _options.StreamFlushInterval - DateTimeOffset.UtcNow;
                if (due > TimeSpan.Zero && reader.Count < _options.StreamBatchSize)
                {
                    await Task.Delay(due, _stopping.Token);
                }
                lastFlush = DateTimeOffset.UtcNow;
                batch.Clear();
                while (batch.Count < _options.StreamBatchSize && reader.TryRead(out var e))
                {
                    batch.Add(e);
                }
                try
                {
                    await PublishAsync(provider, all, batch);
                }
#pragma warning disable CA1031 // A stream that cannot take a batch loses a notification, never a transition: keep going.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    LogPublishFailed(ex, batch.Count);
                }
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
    }

    private async Task PublishAsync(IStreamProvider provider, IAsyncStream<LifecycleBatch> all, List<LifecycleEvent> batch)
    {
        var perQueue = batch.Where(e => e.Queue is not null).GroupBy(e => e.Queue!, StringComparer.Ordinal).ToList();
        var streams = perQueue.Select(g => StreamId.Create(LifecycleStreams.Namespace, g.Key)).Prepend(all.StreamId).ToList();
        var heard = await _audience.HeardAsync(streams);
        for (var i = 0; i < perQueue.Count; i++)
        {
            if (heard[i + 1])
            {
                await provider.GetStream<LifecycleBatch>(streams[i + 1]).OnNextAsync(new LifecycleBatch { Events = perQueue[i].ToList() });
            }
        }
        if (heard[0])
        {
            await all.OnNextAsync(new LifecycleBatch { Events = batch.ToList() });
            Interlocked.Add(ref _published, batch.Count);
        }
    }

    private async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }
        _buffer.Writer.TryComplete();
        if (_loop is { } loop)
        {
            // Let the loop flush what is buffered; a stream that hangs at shutdown is cut after a few seconds.
            await Task.WhenAny(loop, Task.Delay(TimeSpan.FromSeconds(5)));
            await _stopping.CancelAsync();
            await loop;
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lifecycle stream buffer full: {Dropped} events dropped so far (the event log still has them)")]
    private partial void LogDropped(long dropped);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing {Count} lifecycle events on streams failed (the event log still has them)")]
    private partial void LogPublishFailed(Exception exception, int count);
}

/// <summary>Forwards task transitions to the <see cref="LifecycleFeed"/>, once they are stored.</summary>
internal sealed class TaskLifecycleStreamSink(LifecycleFeed feed) : ITaskEventSink
{
    public void Publish(IReadOnlyList<TaskLifecycleEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        feed.Post(events.Select(EventLogRows.FromTask).ToList());
    }
}
