using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OmniActors.Running;
using OmniActors.Storage;
using OmniActors.Tasks;
using Orleans.Concurrency;
using TaskStatus = OmniActors.Tasks.TaskStatus;

namespace OmniActors.Queues;

/// <summary>
/// One partition of a queue. Its index is derived: on activation it reloads its pending and running tasks
/// from the task table, so nothing about depth is ever written here. Dispatch is a push: whenever a slot
/// frees or a task arrives or falls due, it starts the next task; a single grain timer covers due times and
/// lease checks, and a reminder brings it back after a crash.
/// Reentrant: all state changes happen synchronously between awaits, so concurrent messages interleave safely.
/// </summary>
[Reentrant]
internal sealed partial class QueuePartitionGrain(
    ITaskStore store,
    QueueTopology topology,
    TaskRunner runner,
    TaskGrainReferences references,
    TimeProvider time,
    QueueGauges gauges,
    IOptions<QueueOptions> queueOptions,
    ILogger<QueuePartitionGrain> logger) : Grain, IQueuePartitionGrain, IRemindable
{
    private const string RecoveryReminder = "recover";
    private static readonly TimeSpan RetryAfterError = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MinReconcileInterval = TimeSpan.FromSeconds(5);

    private readonly ReadyQueue _queue = new();
    private readonly Dictionary<string, Slot> _running = new(StringComparer.Ordinal);
    private readonly Queue<(DateTimeOffset At, bool Failed)> _recent = new();
    private string _key = "";
    private string _name = "";
    private bool _deactivating;
    private int _share;
    private readonly int _warmBacklog = queueOptions.Value.WarmBacklog;
    private readonly TimeSpan _warmHorizon = queueOptions.Value.WarmHorizon;
    private bool _paused;
    private long _dispatches;
    private long _succeeded;
    private long _failed;
    private DateTimeOffset _holdUntil;
    private IGrainTimer? _timer;
    private DateTimeOffset _reconciledAt;
    private DateTimeOffset? _timerAt;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _key = this.GetPrimaryKeyString();
        var (queue, index) = QueueTopology.ParsePartitionKey(_key);
        _name = queue;
        _share = topology.ShareOf(queue, index);
        _paused = await GrainFactory.GetGrain<IQueueGrain>(queue).IsPaused();
        var now = time.GetUtcNow();
        var loaded = Adopt(await store.LoadPartitionAsync(queue, index, cancellationToken), now);
        _reconciledAt = now;
        if (loaded > 0)
        {
            LogReloaded(_name, index, loaded);
            await this.RegisterOrUpdateReminder(RecoveryReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1), cancellationToken);
        }
        Pump();
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _deactivating = true;
        gauges.Forget(_key);
        return Task.CompletedTask;
    }

    public Task<bool> Enqueue(QueueEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (_running.ContainsKey(entry.TaskId))
        {
            return Task.FromResult(true);
        }
        var now = time.GetUtcNow();
        _queue.Add(entry, now);
        Pump();
        // Still waiting after the pump: warm only if it is near the head and due soon.
        var warm = !_queue.Contains(entry.TaskId)
            || (!_paused && _queue.ReadyCount + _queue.ScheduledCount <= _warmBacklog && (entry.DueAt ?? now) <= now + _warmHorizon);
        return Task.FromResult(warm);
    }

    public Task Remove(string taskId)
    {
        _queue.Remove(taskId);
        ReportGauges();
        return Task.CompletedTask;
    }

    public Task Release(string taskId, int attempt, bool failed, QueueEntry? requeue)
    {
        if (_running.TryGetValue(taskId, out var slot) && (slot.Attempt == 0 || slot.Attempt == attempt))
        {
            _running.Remove(taskId);
        }
        Count(failed);
        if (requeue is not null)
        {
            _queue.Add(requeue, time.GetUtcNow());
        }
        Pump();
        return Task.CompletedTask;
    }

    public Task SetPaused(bool paused)
    {
        _paused = paused;
        Pump();
        return Task.CompletedTask;
    }

    public Task<PartitionStats> GetStats()
    {
        var now = time.GetUtcNow();
        Trim(now);
        return Task.FromResult(new PartitionStats
        {
            Ready = _queue.ReadyCount,
            Scheduled = _queue.ScheduledCount,
            Running = _running.Count,
            Share = _share,
            Succeeded = _succeeded,
            Failed = _failed,
            RecentFinished = _recent.Count,
            RecentFailed = _recent.Count(r => r.Failed),
            Paused = _paused,
        });
    }

    /// <summary>Reconciles with the table: what a lost message or a dead silo left out of memory comes back.</summary>
    public Task Wake() => ReconcileAsync();

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        await ReconcileAsync();
        if (_queue.ReadyCount + _queue.ScheduledCount + _running.Count == 0)
        {
            // Nothing left to recover: stop the safety net until work arrives again.
            var reminder = await this.GetReminder(RecoveryReminder);
            if (reminder is not null)
            {
                await this.UnregisterReminder(reminder);
            }
            return;
        }
        Pump();
    }

    /// <summary>
    /// The table is the truth and this index is derived: re-read this partition's pending and running rows and add what
    /// memory lacks (a start or enqueue whose message was lost, a task left behind by a dead silo). Rate-limited.
    /// </summary>
    private async Task ReconcileAsync()
    {
        var now = time.GetUtcNow();
        if (now - _reconciledAt < MinReconcileInterval)
        {
            return;
        }
        _reconciledAt = now;
        var (queue, index) = QueueTopology.ParsePartitionKey(_key);
        var added = Adopt(await store.LoadPartitionAsync(queue, index), now);
        if (added > 0)
        {
            LogReconciled(_name, index, added);
            await this.RegisterOrUpdateReminder(RecoveryReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        }
        Pump();
    }

    /// <summary>
    /// Takes table rows this partition does not hold yet: a running one gets its slot back with a lease check due now
    /// (its holder may be gone), a pending one goes into the index. Returns how many were taken.
    /// </summary>
    private int Adopt(IReadOnlyList<TaskInfo> rows, DateTimeOffset now)
    {
        var adopted = 0;
        foreach (var row in rows)
        {
            if (_running.ContainsKey(row.Id) || _queue.Contains(row.Id))
            {
                continue;
            }
            adopted++;
            if (row.Status == TaskStatus.Running)
            {
                _running[row.Id] = new Slot(++_dispatches, row.Attempt, now);
            }
            else
            {
                _queue.Add(new QueueEntry { TaskId = row.Id, Priority = row.Priority, DueAt = row.DueAt }, now);
            }
        }
        return adopted;
    }

    /// <summary>Starts what may start, then arms the timer for the next due time or lease check.</summary>
    private void Pump()
    {
        var now = time.GetUtcNow();
        _queue.Promote(now);
        foreach (var (id, slot) in _running.Where(r => r.Value.CheckAt <= now).ToList())
        {
            _running[id] = slot with { CheckAt = DateTimeOffset.MaxValue };
            _ = CheckLeaseAsync(id, slot.Token);
        }
        while (!_paused && now >= _holdUntil && _running.Count < _share && _queue.TryDequeue(out var taskId))
        {
            var token = ++_dispatches;
            _running[taskId] = new Slot(token, 0, DateTimeOffset.MaxValue);
            _ = StartAsync(taskId, token);
        }
        ArmTimer(now);
        ReportGauges();
    }

    /// <summary>Hands the in-memory counts to the gauges (a late continuation after deactivation must not revive them).</summary>
    private void ReportGauges()
    {
        if (!_deactivating)
        {
            gauges.Report(_key, _name, _queue.ReadyCount, _queue.ScheduledCount, _running.Count);
        }
    }

    private async Task StartAsync(string taskId, long token)
    {
        StartResult result;
        try
        {
            result = await references.Task(taskId).Start();
        }
        catch (Exception ex)
        {
            // The start may or may not have happened (its silo may have died after storing it): keep the slot and
            // let the lease check tell — it requeues a task still pending and expires one whose holder is gone.
            LogStartFailed(ex, taskId);
            if (_running.TryGetValue(taskId, out var unknown) && unknown.Token == token)
            {
                _running[taskId] = unknown with { CheckAt = time.GetUtcNow() + RetryAfterError };
            }
            Pump();
            return;
        }
        var mine = _running.TryGetValue(taskId, out var slot) && slot.Token == token;
        switch (result.Kind)
        {
            case StartKind.Started when mine:
                _running[taskId] = slot with { Attempt = result.Attempt, CheckAt = time.GetUtcNow() + runner.LeaseDuration };
                break;
            case StartKind.AlreadyRunning when mine:
                _running[taskId] = slot with { Attempt = result.Attempt, CheckAt = time.GetUtcNow() };
                break;
            case StartKind.NotRunnable when mine:
                _running.Remove(taskId);
                if (result.DueAt is { } due)
                {
                    _queue.Add(new QueueEntry { TaskId = taskId, DueAt = due, Priority = result.Priority }, time.GetUtcNow());
                }
                break;
            case StartKind.Refused when mine:
                // The task's silo is stopping (or unreachable): keep the task, try again shortly.
                _running.Remove(taskId);
                _queue.Add(new QueueEntry { TaskId = taskId }, time.GetUtcNow());
                _holdUntil = time.GetUtcNow() + RetryAfterError;
                break;
        }
        Pump();
    }

    private async Task CheckLeaseAsync(string taskId, long token)
    {
        LeaseStatus status;
        try
        {
            status = await references.Task(taskId).CheckLease();
        }
        catch (Exception ex)
        {
            LogStartFailed(ex, taskId);
            status = new LeaseStatus { Holding = true, NextCheckAt = time.GetUtcNow() + RetryAfterError };
        }
        if (_running.TryGetValue(taskId, out var slot) && slot.Token == token)
        {
            if (status.Holding)
            {
                _running[taskId] = slot with { Attempt = status.Attempt, CheckAt = status.NextCheckAt ?? time.GetUtcNow() + runner.LeaseDuration };
            }
            else
            {
                _running.Remove(taskId);
                if (status.Requeue is { } requeue)
                {
                    _queue.Add(requeue, time.GetUtcNow());
                }
            }
        }
        Pump();
    }

    private void ArmTimer(DateTimeOffset now)
    {
        DateTimeOffset? next = _queue.NextDue;
        foreach (var slot in _running.Values)
        {
            if (slot.CheckAt != DateTimeOffset.MaxValue && (next is null || slot.CheckAt < next))
            {
                next = slot.CheckAt;
            }
        }
        if (_holdUntil > now && (next is null || _holdUntil < next))
        {
            next = _holdUntil;
        }
        if (next is null || next == _timerAt)
        {
            return;
        }
        _timerAt = next;
        var due = next.Value - now;
        if (due < TimeSpan.Zero)
        {
            due = TimeSpan.Zero;
        }
        if (_timer is null)
        {
            _timer = this.RegisterGrainTimer(OnTimer, new GrainTimerCreationOptions(due, Timeout.InfiniteTimeSpan) { Interleave = true });
        }
        else
        {
            _timer.Change(due, Timeout.InfiniteTimeSpan);
        }
    }

    private Task OnTimer(CancellationToken cancellationToken)
    {
        _timerAt = null;
        Pump();
        return Task.CompletedTask;
    }

    private void Count(bool failed)
    {
        var now = time.GetUtcNow();
        if (failed)
        {
            _failed++;
        }
        else
        {
            _succeeded++;
        }
        _recent.Enqueue((now, failed));
        Trim(now);
    }

    private void Trim(DateTimeOffset now)
    {
        while (_recent.Count > 0 && now - _recent.Peek().At > TimeSpan.FromMinutes(1))
        {
            _recent.Dequeue();
        }
    }

    /// <summary>A held slot: the dispatch that took it, the attempt once known (0 while starting), and when to check its lease.</summary>
    private readonly record struct Slot(long Token, int Attempt, DateTimeOffset CheckAt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Queue {Queue} partition {Partition} reloaded {Count} pending and running tasks")]
    private partial void LogReloaded(string queue, int partition, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queue {Queue} partition {Partition}: reconciling with the task table found {Count} tasks missing from memory")]
    private partial void LogReconciled(string queue, int partition, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Calling task {TaskId} failed; its state will be checked again shortly")]
    private partial void LogStartFailed(Exception exception, string taskId);
}
