using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OmniActors.Hosting;
using OmniActors.Tasks;
using Orleans.Runtime;

namespace OmniActors.Stats;

/// <summary>
/// Aggregates this silo's task lifecycle events per queue and minute in memory and adds them to <c>omni_stats_minute</c>
/// every <see cref="StatsOptions.FlushInterval"/>, with the queues' depth and running tasks sampled at each flush; deletes
/// rows past <see cref="StatsOptions.Retention"/>. On the hot path an event costs a dictionary lookup and an interlocked
/// add: no lock, no allocation once its (queue, minute) is known, no I/O.
/// </summary>
public sealed partial class StatsRollup : ITaskEventSink, ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private const long MinuteMs = 60_000;

    private readonly ConcurrentDictionary<(string Queue, long Minute), long[]> _pending = new();
    // Cumulative sampling time of this silo per minute (flush loop only): written with MAX, so silos do not add it up.
    private readonly Dictionary<long, long> _coverage = [];
    private readonly StatsStore _store;
    private readonly QueueGaugeSampler _gauges;
    private readonly StatsOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<StatsRollup> _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _flushing = new(1, 1);
    private Task? _flushLoop;
    private Task? _retentionLoop;
    private DateTimeOffset? _lastSample;
    private long _dropped;

    public StatsRollup(StatsStore store, QueueGaugeSampler gauges, IOptions<StatsOptions> options, TimeProvider time, ILogger<StatsRollup> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _gauges = gauges;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    /// <summary>Events not counted because <see cref="StatsOptions.MaxPendingRows"/> aggregates were pending.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <inheritdoc />
    public void Publish(IReadOnlyList<TaskLifecycleEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            var column = e.Type switch
            {
                TaskEventType.Enqueued => StatsColumns.Enqueued,
                TaskEventType.Executing => StatsColumns.Started,
                TaskEventType.Complete => StatsColumns.Succeeded,
                TaskEventType.Error => StatsColumns.Failed,
                TaskEventType.Retry => StatsColumns.Retried,
                TaskEventType.DeadLettered => StatsColumns.DeadLettered,
                TaskEventType.Cancelled => StatsColumns.Cancelled,
                _ => -1,
            };
            if (column < 0 || Slots(e.Queue, Minute(e.At.ToUnixTimeMilliseconds())) is not { } slots)
            {
                continue;
            }
            Interlocked.Increment(ref slots[column]);
            if (column == StatsColumns.Started && e.Elapsed is { } wait)
            {
                var ms = (long)wait.TotalMilliseconds;
                Interlocked.Add(ref slots[StatsColumns.WaitMsSum], ms);
                Interlocked.Increment(ref slots[StatsColumns.WaitBuckets + StatsHistogram.Bucket(ms)]);
            }
        }
    }

    private long[]? Slots(string queue, long minute)
    {
        if (_pending.TryGetValue((queue, minute), out var slots))
        {
            return slots;
        }
        if (_pending.Count >= _options.MaxPendingRows)
        {
            Interlocked.Increment(ref _dropped);
            return null;
        }
        return _pending.GetOrAdd((queue, minute), _ => new long[StatsColumns.Count]);
    }

    private static long Minute(long unixMs) => unixMs - (((unixMs % MinuteMs) + MinuteMs) % MinuteMs);

    /// <summary>Samples the gauges and adds everything gathered since the last flush to the minute rows.</summary>
    public async Task FlushAsync(bool sample = true, CancellationToken cancellationToken = default)
    {
        await _flushing.WaitAsync(cancellationToken);
        try
        {
            var now = _time.GetUtcNow();
            var minute = Minute(now.ToUnixTimeMilliseconds());
            if (sample)
            {
                Sample(now, minute);
            }
            var rows = new List<StatsMinuteRow>();
            foreach (var (key, slots) in _pending)
            {
                var values = new long[StatsColumns.Count];
                var any = false;
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = Interlocked.Exchange(ref slots[i], 0);
                    any |= values[i] != 0;
                }
                if (any)
                {
                    rows.Add(new StatsMinuteRow(key.Queue, key.Minute, values, _coverage.GetValueOrDefault(key.Minute)));
                }
                else if (key.Minute < minute - MinuteMs)
                {
                    // An event of a minute this old is rare (a clock step, a slow commit); if one lands between these two
                    // lines it is lost: statistics, not truth.
                    _pending.TryRemove(key, out _);
                }
            }
            foreach (var old in _coverage.Keys.Where(m => m < minute - (5 * MinuteMs)).ToList())
            {
                _coverage.Remove(old);
            }
            try
            {
                await _store.AddAsync(rows, cancellationToken);
            }
            catch
            {
                // Keep what was gathered for the next flush.
                foreach (var row in rows)
                {
                    if (Slots(row.Queue, row.Minute) is { } slots)
                    {
                        for (var i = 0; i < row.Values.Length; i++)
                        {
                            Interlocked.Add(ref slots[i], row.Values[i]);
                        }
                    }
                }
                throw;
            }
        }
        finally
        {
            _flushing.Release();
        }
    }

    private void Sample(DateTimeOffset now, long minute)
    {
        var interval = _options.FlushInterval;
        var since = _lastSample is { } last ? now - last : interval;
        _lastSample = now;
        // A stalled loop (a paused process) does not get to claim the whole stall at today's depth.
        var dt = (long)Math.Clamp(since.TotalMilliseconds, 0, 2 * interval.TotalMilliseconds);
        dt = Math.Min(dt, now.ToUnixTimeMilliseconds() - minute + 1);
        if (dt <= 0)
        {
            return;
        }
        _coverage[minute] = Math.Min(MinuteMs, _coverage.GetValueOrDefault(minute) + dt);
        foreach (var (queue, s) in _gauges.Sample())
        {
            if ((s.Ready | s.Scheduled | s.Running) == 0 || Slots(queue, minute) is not { } slots)
            {
                continue;
            }
            Interlocked.Add(ref slots[StatsColumns.ReadyMs], s.Ready * dt);
            Interlocked.Add(ref slots[StatsColumns.ScheduledMs], s.Scheduled * dt);
            Interlocked.Add(ref slots[StatsColumns.RunningMs], s.Running * dt);
        }
    }

    /// <summary>Deletes rows past the retention; returns how many.</summary>
    public Task<int> SweepAsync(CancellationToken cancellationToken = default) =>
        _store.DeleteBeforeAsync(Minute((_time.GetUtcNow() - _options.Retention).ToUnixTimeMilliseconds()), cancellationToken);

    public void Participate(ISiloLifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        lifecycle.Subscribe(nameof(StatsRollup), ServiceLifecycleStage.Active, _ =>
        {
            var token = _stopping.Token;
            _flushLoop = PeriodicSweep.RunAsync(_options.FlushInterval, _time, passAtStart: false, ct => FlushAsync(true, ct), LogFlushFailed, token);
            _retentionLoop = PeriodicSweep.RunAsync(_options.RetentionSweepInterval, _time, passAtStart: true, SweepAsync, LogSweepFailed, token);
            return Task.CompletedTask;
        }, StopAsync);
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        foreach (var loop in new[] { _flushLoop, _retentionLoop })
        {
            if (loop is not null)
            {
                await loop;
            }
        }
        try
        {
            // What the last interval gathered; a silo that cannot reach storage while stopping loses it (statistics, not truth).
            await FlushAsync(sample: false, cancellationToken);
        }
#pragma warning disable CA1031 // Stopping goes on whatever the last flush meets.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogFlushFailed(ex);
        }
    }

    public void Dispose()
    {
        _stopping.Dispose();
        _flushing.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queue statistics could not be written; they are kept for the next flush")]
    private partial void LogFlushFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Old queue statistics could not be deleted; retrying at the next sweep")]
    private partial void LogSweepFailed(Exception exception);
}
