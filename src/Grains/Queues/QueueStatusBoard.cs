using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OmniActors.Tasks;

namespace OmniActors.Queues;

/// <summary>
/// Cluster-wide queue status (depth ready and scheduled, running, paused) for live feeds such as <c>/api/events/ws</c>.
/// While anyone watches, it reads the watched queues' figures every <see cref="QueueStatusOptions.Interval"/> from their
/// queue grains (which sum what their partitions hold in memory) and hands each watcher the queues whose figures changed:
/// at most one status per queue per interval, none while nothing changes. The task path is untouched: nothing is counted
/// per task, and nothing is read when no one watches. A new watcher gets the current status of its queues at once.
/// </summary>
public sealed partial class QueueStatusBoard : ILifecycleParticipant<ISiloLifecycle>, IAsyncDisposable
{
    private readonly IGrainFactory _grains;
    private readonly QueueStatusOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<QueueStatusBoard> _logger;
    private readonly SemaphoreSlim _polling = new(1, 1);
    private readonly Channel<bool> _bell = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _sync = new();
    private readonly Dictionary<string, QueueStatus> _current = new(StringComparer.Ordinal);
    private List<Watcher> _watchers = [];
    private IReadOnlyList<string>? _allQueues;
    private DateTimeOffset _listedAt;
    private Task? _loop;
    private int _stopped;
    private long _polls;

    /// <summary>Creates the board; it reads nothing until someone watches.</summary>
    public QueueStatusBoard(IGrainFactory grains, IOptions<QueueStatusOptions> options, TimeProvider time, ILogger<QueueStatusBoard> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _grains = grains;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    /// <summary>Polls made since start (each reads every watched queue once).</summary>
    public long Polls => Interlocked.Read(ref _polls);

    /// <summary>
    /// Watches one queue, or every queue when <paramref name="queue"/> is null. The watcher's first batch holds the
    /// current status of its queues (read now if no one watched them), later batches only the queues that changed.
    /// </summary>
    public async Task<Watcher> WatchAsync(string? queue, CancellationToken cancellationToken)
    {
        var watcher = new Watcher(this, queue);
        bool known;
        lock (_sync)
        {
            _watchers = [.. _watchers, watcher];
            known = queue is null ? _allQueues is not null : _current.ContainsKey(queue);
            foreach (var status in _current.Values)
            {
                watcher.Offer(status);
            }
            _loop ??= Task.Run(RunAsync, CancellationToken.None);
        }
        _bell.Writer.TryWrite(true);
        if (!known)
        {
            // Read the new queue (or the list of queues) now rather than at the next tick, so the first snapshot comes at once.
            await PollAsync(queue is null ? null : [queue], cancellationToken);
        }
        return watcher;
    }

    public void Participate(ISiloLifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        lifecycle.Subscribe(nameof(QueueStatusBoard), ServiceLifecycleStage.Active, _ => Task.CompletedTask, async _ => await StopAsync());
    }

    private async Task RunAsync()
    {
        var token = _stopping.Token;
        while (!token.IsCancellationRequested)
        {
            try
            {
                if (WatcherCount() == 0)
                {
                    await _bell.Reader.ReadAsync(token); // Idle until someone watches.
                    continue;
                }
                await Task.Delay(_options.Interval, _time, token);
                await PollAsync(null, token);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A poll that fails (a silo going away, storage down) is tried again at the next tick.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogPollFailed(ex);
            }
        }
    }

    /// <summary>Reads <paramref name="only"/> (or every watched queue) and offers what changed to the watchers.</summary>
    private async Task PollAsync(IReadOnlyList<string>? only, CancellationToken cancellationToken)
    {
        await _polling.WaitAsync(cancellationToken);
        try
        {
            var queues = only ?? await WatchedQueuesAsync();
            if (queues is null)
            {
                return;
            }
            var read = await Task.WhenAll(queues.Select(ReadAsync));
            Interlocked.Increment(ref _polls);
            var now = _time.GetUtcNow();
            lock (_sync)
            {
                foreach (var stats in read)
                {
                    if (stats is null)
                    {
                        continue;
                    }
                    var status = QueueStatus.Of(stats, now);
                    if (_current.TryGetValue(status.Queue, out var previous) && previous.SameFigures(status))
                    {
                        continue;
                    }
                    _current[status.Queue] = status;
                    foreach (var watcher in _watchers)
                    {
                        watcher.Offer(status);
                    }
                }
            }
        }
        finally
        {
            _polling.Release();
        }
    }

    /// <summary>The queues someone watches (null when no one does); the list of all queues is re-read every <see cref="QueueStatusOptions.QueueListRefresh"/>.</summary>
    private async Task<IReadOnlyList<string>?> WatchedQueuesAsync()
    {
        List<Watcher> watchers;
        lock (_sync)
        {
            watchers = _watchers;
            if (watchers.Count == 0)
            {
                // Forget the figures: the next watcher gets fresh ones, not what was true when the last one left.
                _current.Clear();
                _allQueues = null;
                return null;
            }
        }
        var queues = new HashSet<string>(watchers.Where(w => w.Queue is not null).Select(w => w.Queue!), StringComparer.Ordinal);
        if (watchers.Any(w => w.Queue is null))
        {
            var now = _time.GetUtcNow();
            if (_allQueues is null || now - _listedAt >= _options.QueueListRefresh)
            {
                var listed = await _grains.GetGrain<ITaskQueryGrain>(0).ListQueues();
                lock (_sync)
                {
                    _allQueues = listed;
                    _listedAt = now;
                }
            }
            queues.UnionWith(_allQueues ?? []);
        }
        return [.. queues];
    }

    private async Task<QueueStats?> ReadAsync(string queue)
    {
        try
        {
            return await _grains.GetGrain<IQueueGrain>(queue).GetStats();
        }
#pragma warning disable CA1031 // One queue that cannot answer now keeps its last status; the others still go out.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogQueueReadFailed(ex, queue);
            return null;
        }
    }

    private int WatcherCount()
    {
        lock (_sync)
        {
            return _watchers.Count;
        }
    }

    private void Remove(Watcher watcher)
    {
        lock (_sync)
        {
            _watchers = _watchers.Where(w => !ReferenceEquals(w, watcher)).ToList();
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
        List<Watcher> watchers;
        lock (_sync)
        {
            watchers = _watchers;
        }
        foreach (var watcher in watchers)
        {
            watcher.Dispose();
        }
    }

    // The token source and semaphore are left to the collector: a watcher may still be leaving as the silo stops.
    public async ValueTask DisposeAsync() => await StopAsync();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queue status poll failed; retrying at the next tick")]
    private partial void LogPollFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queue {Queue} did not answer the status poll; it keeps its last status")]
    private partial void LogQueueReadFailed(Exception exception, string queue);

    /// <summary>
    /// One watcher: the latest unsent status of each of its queues (a newer one replaces an unsent older one, so a
    /// watcher that reads slowly holds one status per queue, never a backlog).
    /// </summary>
    public sealed class Watcher : IDisposable
    {
        private readonly QueueStatusBoard _board;
        private readonly Dictionary<string, QueueStatus> _pending = new(StringComparer.Ordinal);
        private readonly Channel<bool> _signal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
        {
            FullMode = BoundedChannelFullMode.DropWrite,
            SingleReader = true,
        });

        internal Watcher(QueueStatusBoard board, string? queue)
        {
            _board = board;
            Queue = queue;
        }

        /// <summary>The queue watched; null for every queue.</summary>
        public string? Queue { get; }

        /// <summary>Batches of changed statuses (ordered by queue name) until the watcher is disposed or the silo stops.</summary>
        public async IAsyncEnumerable<IReadOnlyList<QueueStatus>> ReadAllAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            while (await _signal.Reader.WaitToReadAsync(cancellationToken))
            {
                _signal.Reader.TryRead(out _);
                List<QueueStatus> batch;
                lock (_pending)
                {
                    batch = [.. _pending.Values.OrderBy(s => s.Queue, StringComparer.Ordinal)];
                    _pending.Clear();
                }
                if (batch.Count > 0)
                {
                    yield return batch;
                }
            }
        }

        internal void Offer(QueueStatus status)
        {
            if (Queue is not null && !string.Equals(Queue, status.Queue, StringComparison.Ordinal))
            {
                return;
            }
            lock (_pending)
            {
                _pending[status.Queue] = status;
            }
            _signal.Writer.TryWrite(true);
        }

        public void Dispose()
        {
            if (_signal.Writer.TryComplete())
            {
                _board.Remove(this);
            }
        }
    }
}

/// <summary>One queue's figures at one moment, cluster-wide: what a queue status snapshot carries.</summary>
/// <param name="Queue">The queue.</param>
/// <param name="Ready">Tasks due now, waiting for a slot.</param>
/// <param name="Scheduled">Tasks due later (delayed or backing off before a retry).</param>
/// <param name="Running">Attempts running.</param>
/// <param name="Paused">Whether the queue is paused.</param>
/// <param name="At">When the figures were read.</param>
public sealed record QueueStatus(string Queue, int Ready, int Scheduled, int Running, bool Paused, DateTimeOffset At)
{
    /// <summary>The status in <paramref name="stats"/>, read at <paramref name="at"/>.</summary>
    public static QueueStatus Of(QueueStats stats, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(stats);
        return new QueueStatus(stats.Queue, stats.Ready, stats.Scheduled, stats.Running, stats.Paused, at);
    }

    /// <summary>True when both carry the same figures (whenever they were read).</summary>
    public bool SameFigures(QueueStatus other) =>
        other is not null && Ready == other.Ready && Scheduled == other.Scheduled && Running == other.Running && Paused == other.Paused;
}
