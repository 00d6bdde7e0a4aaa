using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace OmniActors.Lifecycle;

/// <summary>
/// One reader of the event log per silo, fanning new rows out to this silo's live listeners (server-sent events).
/// Live delivery comes from the log, not from the stream, so what a listener sees live and what it replays after a
/// reconnect are the same rows in the same order: resuming from a sequence has no gap and no duplicate. It wakes when
/// this silo stores events, when the lifecycle stream says another silo did, and every <see cref="EventLogOptions.TailPollInterval"/>
/// while anyone listens; it reads nothing when no one does.
/// <para>
/// Sequences are handed out before commit, so with several writers (PostgreSQL, several silos) a lower sequence can
/// become visible after a higher one. The tail delivers only an unbroken run of sequences and waits up to
/// <see cref="EventLogOptions.GapWait"/> for a missing one before taking it as rolled back.
/// </para>
/// <para>
/// Each listener has a bounded buffer. A listener whose buffer is full is dropped at once (its connection closed): it
/// can reconnect with <c>Last-Event-ID</c> and replay from the log. The tail never waits for a listener.
/// </para>
/// </summary>
public sealed partial class EventLogTail : ILifecycleParticipant<ISiloLifecycle>, IAsyncDisposable
{
    private static readonly TimeSpan GapRetry = TimeSpan.FromMilliseconds(50);

    private readonly EventLogStore _store;
    private readonly EventLogOptions _options;
    // A read hands a listener at most a quarter of its buffer, so a listener that keeps up is never dropped by one burst.
    private readonly int _pageSize;
    private readonly TimeProvider _time;
    private readonly ILogger<EventLogTail> _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Channel<bool> _bell = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _sync = new();
    private int _rung;
    private List<Listener> _listeners = [];
    private bool _positioned;
    private long _position;
    private DateTimeOffset? _gapSince;
    private Task? _loop;
    private long _droppedListeners;
    private int _stopped;

    public EventLogTail(EventLogStore store, IOptions<EventLogOptions> options, TimeProvider time, ILogger<EventLogTail> logger)
    {
        _store = store;
        _options = options.Value;
        _pageSize = Math.Clamp(_options.ClientBufferSize / 4, 1, 1000);
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// Raised with true when the first listener connects and with false when the last one leaves (on a thread-pool thread,
    /// never under the tail's lock), so what serves listeners only (the lifecycle stream watcher) runs only while someone listens.
    /// </summary>
    public event Action<bool>? ListeningChanged;

    /// <summary>Listeners dropped for falling behind, since start.</summary>
    public long DroppedListeners => Interlocked.Read(ref _droppedListeners);

    /// <summary>Listeners connected now.</summary>
    public int ListenerCount
    {
        get
        {
            lock (_sync)
            {
                return _listeners.Count;
            }
        }
    }

    /// <summary>Says new rows may be in the log; cheap and never blocks.</summary>
    /// <remarks>Every transition rings, so under load only the first ring since the loop last woke touches the channel
    /// (its lock was contended by every committing thread). The loop clears the flag before it reads the log, so a ring
    /// it skips is for rows that read will see.</remarks>
    public void Ring()
    {
        if (Volatile.Read(ref _rung) == 0 && Interlocked.Exchange(ref _rung, 1) == 0)
        {
            _bell.Writer.TryWrite(true);
        }
    }

    /// <summary>
    /// Registers a listener for events matching <paramref name="filter"/>. It receives every matching event with a
    /// sequence above <see cref="Listener.StartAfter"/>; the caller replays the log up to that sequence itself.
    /// <paramref name="onDropped"/> runs (once) if the listener falls behind and is dropped.
    /// </summary>
    public async Task<Listener> ListenAsync(EventLogQuery filter, Action onDropped, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (ListenerCount >= _options.MaxClients)
        {
            throw new ListenerLimitException($"This silo serves at most {_options.MaxClients} event streams.");
        }
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (!_positioned)
            {
                _position = await _store.LastSequenceAsync(cancellationToken);
                _positioned = true;
                _gapSince = null;
            }
            var listener = new Listener(this, filter, _position, _options.ClientBufferSize, onDropped);
            bool first;
            lock (_sync)
            {
                first = _listeners.Count == 0;
                _listeners = [.. _listeners, listener];
            }
            if (first)
            {
                ListeningChanged?.Invoke(true);
            }
            _loop ??= Task.Run(RunAsync, CancellationToken.None);
            return listener;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Participate(ISiloLifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        lifecycle.Subscribe(nameof(EventLogTail), ServiceLifecycleStage.Active, _ => Task.CompletedTask, async _ => await StopAsync());
    }

    private async Task RunAsync()
    {
        var token = _stopping.Token;
        var wait = _options.TailPollInterval;
        while (!token.IsCancellationRequested)
        {
            try
            {
                using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(token))
                {
                    timeout.CancelAfter(wait);
                    try
                    {
                        await _bell.Reader.ReadAsync(timeout.Token);
                    }
                    catch (OperationCanceledException) when (!token.IsCancellationRequested)
                    {
                        // The poll interval passed: read anyway (a stream notification may have been lost).
                    }
                }
                Volatile.Write(ref _rung, 0);
                wait = await ReadOnceAsync(token);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A read that fails (storage down) is retried at the next poll; listeners stay connected.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogReadFailed(ex);
                wait = _options.TailPollInterval;
            }
        }
    }

    /// <summary>Reads and delivers what is new; returns how long to wait before the next read.</summary>
    private async Task<TimeSpan> ReadOnceAsync(CancellationToken token)
    {
        await _gate.WaitAsync(token);
        try
        {
            while (true)
            {
                var listeners = Snapshot();
                if (listeners.Count == 0)
                {
                    // Nobody listens: forget the position, so the next listener starts from the log's end, not from a stale point.
                    _positioned = false;
                    return _options.TailPollInterval;
                }
                var rows = await _store.ReadAfterAsync(_position, _pageSize, token);
                foreach (var row in rows)
                {
                    if (row.Sequence != _position + 1)
                    {
                        var now = _time.GetUtcNow();
                        _gapSince ??= now;
                        if (now - _gapSince < _options.GapWait)
                        {
                            return GapRetry; // A transaction with the missing sequence may still be committing.
                        }
                        LogGapSkipped(_position + 1, row.Sequence - 1);
                    }
                    _gapSince = null;
                    _position = row.Sequence;
                    foreach (var listener in listeners)
                    {
                        listener.Offer(row);
                    }
                }
                if (rows.Count < _pageSize)
                {
                    return _options.TailPollInterval;
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private List<Listener> Snapshot()
    {
        lock (_sync)
        {
            return _listeners;
        }
    }

    private void Remove(Listener listener, bool dropped)
    {
        bool last;
        lock (_sync)
        {
            var before = _listeners.Count;
            _listeners = _listeners.Where(l => !ReferenceEquals(l, listener)).ToList();
            last = before > 0 && _listeners.Count == 0;
        }
        if (last)
        {
            ListeningChanged?.Invoke(false);
        }
        if (dropped)
        {
            Interlocked.Increment(ref _droppedListeners);
            LogListenerDropped(_options.ClientBufferSize);
        }
    }

    private async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }
        await _stopping.CancelAsync();
        if (_loop is { } loop)
        {
            await loop;
        }
        foreach (var listener in Snapshot())
        {
            listener.Dispose();
        }
    }

    // The token source and gate are left to the collector: a listener may still be leaving as the silo stops.
    public async ValueTask DisposeAsync() => await StopAsync();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event log tail could not read the log; retrying")]
    private partial void LogReadFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Event log sequences {From} to {To} never appeared (rolled back); skipped")]
    private partial void LogGapSkipped(long from, long to);

    [LoggerMessage(Level = LogLevel.Warning, Message = "An event stream listener fell {Buffer} events behind and was dropped")]
    private partial void LogListenerDropped(int buffer);

    /// <summary>One live listener: a bounded buffer of matching events above <see cref="StartAfter"/>.</summary>
    public sealed class Listener : IDisposable
    {
        private readonly EventLogTail _tail;
        private readonly Channel<LifecycleEvent> _channel;
        private readonly Action _onDropped;
        private int _closed;

        internal Listener(EventLogTail tail, EventLogQuery filter, long startAfter, int capacity, Action onDropped)
        {
            _tail = tail;
            Filter = filter;
            StartAfter = startAfter;
            _onDropped = onDropped;
            _channel = Channel.CreateBounded<LifecycleEvent>(new BoundedChannelOptions(capacity)
            {
                SingleReader = true,
                SingleWriter = true,
                FullMode = BoundedChannelFullMode.Wait, // TryWrite then fails instead of dropping silently: that is the drop signal.
            });
        }

        /// <summary>What the listener asked for.</summary>
        public EventLogQuery Filter { get; }

        /// <summary>Live events start after this sequence; earlier ones come from the log.</summary>
        public long StartAfter { get; }

        /// <summary>The live events.</summary>
        public ChannelReader<LifecycleEvent> Events => _channel.Reader;

        /// <summary>True once the listener was dropped for falling behind.</summary>
        public bool Dropped { get; private set; }

        internal void Offer(LifecycleEvent e)
        {
            if (!Filter.Matches(e) || Volatile.Read(ref _closed) != 0)
            {
                return;
            }
            if (!_channel.Writer.TryWrite(e) && Interlocked.Exchange(ref _closed, 1) == 0)
            {
                Dropped = true;
                _channel.Writer.TryComplete(new ListenerDroppedException());
                _tail.Remove(this, dropped: true);
                _onDropped();
            }
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _closed, 1) == 0)
            {
                _channel.Writer.TryComplete();
                _tail.Remove(this, dropped: false);
            }
        }
    }
}

/// <summary>A live listener fell too far behind and was dropped.</summary>
public sealed class ListenerDroppedException() : Exception("The listener fell behind and was dropped; reconnect with Last-Event-ID.");

/// <summary>The silo already serves as many event streams as it allows.</summary>
public sealed class ListenerLimitException(string message) : Exception(message);
