using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OmniActors.Actions;
using OmniActors.Domain;
using OmniActors.Errors;
using OmniActors.Lifecycle;
using OmniActors.Running;
using OmniActors.Storage;
using OmniActors.Tasks;
using Orleans.Concurrency;
using TaskStatus = OmniActors.Tasks.TaskStatus;

namespace OmniActors.Queues;

/// <summary>
/// One partition of a queue, and the unit of work of the hot path. Its index is derived: on activation it reloads its
/// pending and running tasks from the task table, so nothing about depth is ever written here. Dispatch is a push:
/// whenever a slot frees or a task arrives or falls due, it starts the next tasks; a single grain timer covers due times
/// and lease checks, and a reminder brings it back after a crash.
/// <para>The batch path: new tasks arrive as one message a batch (<see cref="Submit"/>) and are stored in one group
/// commit; ready tasks are claimed together (one group commit of compare-and-set updates) and handed to this silo's
/// runner without a message; their outcomes come back batched (<see cref="ReportOutcomes"/>) and commit together with
/// their event-log rows. No task grain takes part: a <see cref="TaskGrain"/> activates only when something addresses
/// its task, and the row's version decides any race between it and a batch. Tasks that need more than a plain run
/// (dependency results, a circuit breaker) are started through their task grain as before.</para>
/// <para>Overlap: the runner keeps up to eight reports of outcomes in flight to a partition, and while attempts are short
/// (<see cref="QueueOptions.ClaimAheadBelow"/>) more rounds of claims (<see cref="QueueOptions.ClaimAheadShares"/>) are
/// stored beside the running one, each claim waiting in <see cref="SlotPhase.Ahead"/> for a slot of the share. So a round's
/// commit (its outcomes, the next claims) runs while the round claimed before it runs, instead of between the two. The
/// handlers running never exceed the share; claims leave for the runner in the order they left the ready queue.</para>
/// Reentrant: all state changes happen synchronously between awaits, so concurrent messages interleave safely.
/// </summary>
[Reentrant]
[PartitionPlacement]
internal sealed partial class QueuePartitionGrain(
    ITaskStore store,
    QueueTopology topology,
    TaskRunner runner,
    TaskGrainReferences references,
    ActionRegistry actions,
    Breakers.BreakerSettingsProvider breakers,
    TaskEventSinks events,
    ILocalSiloDetails silo,
    IClusterMembershipService membership,
    TimeProvider time,
    QueueGauges gauges,
    WarmRows warmRows,
    IOptions<QueueOptions> queueOptions,
    IOptions<TaskOptions> taskOptions,
    ILogger<QueuePartitionGrain> logger) : Grain, IQueuePartitionGrain, IRemindable
{
    /// <summary>Watches kept at most; past it the oldest are forgotten (waiters read the row again every few seconds anyway).</summary>
    private const int MaxWatched = 100_000;

    /// <summary>How often a batch write that lost its compare-and-set is tried again from fresh rows.</summary>
    private const int MaxStaleRounds = 4;

    /// <summary>Rows of the next ready tasks read with a claim's missing rows (see <see cref="ReadRowsAsync"/>).</summary>
    private const int ReadAhead = 256;

    private const string RecoveryReminder = "recover";
    private static readonly TimeSpan RecoveryPeriod = TimeSpan.FromMinutes(1);

    /// <summary>Moved tasks handed to their new partitions at once.</summary>
    private const int HandOverChunk = 500;
    private static readonly TimeSpan RetryAfterError = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MinReconcileInterval = TimeSpan.FromSeconds(5);

    private readonly ReadyQueue _queue = new();
    private readonly SlotTable _running = new();
    private readonly Queue<(DateTimeOffset At, bool Failed)> _recent = new();
    private string _key = "";
    private string _name = "";
    private bool _deactivating;
    private int _share;

    /// <summary>This partition's index is beyond the queue's partition count (the count was lowered): it runs nothing and
    /// moves every pending task it still finds to the partition the task belongs to now.</summary>
    private bool _retired;

    /// <summary>A pass moving this retired partition's queued tasks is under way.</summary>
    private bool _moving;

    /// <summary>Tasks moved here from this partition whose new partition has not been told yet (its call failed).</summary>
    private readonly List<TaskInfo> _handOvers = [];

    /// <summary>A move did not settle: the recovery reminder stays until a reconcile finds nothing left to move.</summary>
    private bool _unsettled;
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
    private int _index;
    private string _owner = "";

    /// <summary>Rows of pending tasks kept so a claim needs no read; bounded by the silo's
    /// <see cref="WarmRows"/> budget (the rest are read at claim). Changed only through <see cref="HoldRow"/> and <see cref="DropRow"/>.</summary>
    private readonly Dictionary<string, (TaskInfo Row, long Size)> _rows = new(StringComparer.Ordinal);

    /// <summary>What the held rows took from the silo's budget (the sum of their sizes), given back on deactivation.</summary>
    private long _rowBytes;

    /// <summary>Counts the calls that declare a held row stale, so a read ahead that overlapped one keeps none of its rows.</summary>
    private long _rowsInvalidated;

    /// <summary>Attempts cancelled after their claim was stored but before the runner got them.</summary>
    private readonly HashSet<(string TaskId, int Attempt)> _cancelledBeforeStart = [];

    /// <summary>Tasks whose grain waits for their end.</summary>
    private readonly HashSet<string> _watched = new(StringComparer.Ordinal);

    /// <summary>Claims stored (attempt counted, lease held) and waiting for a slot, by token (the order they left the ready
    /// queue in, whatever order their commits finished in); an entry whose slot no longer holds its token (cancelled, its
    /// lease lost) is skipped.</summary>
    private readonly PriorityQueue<(string Id, long Token), long> _ahead = new();

    /// <summary>Moving mean of this partition's batch-path attempts, hand-off to report, in stopwatch ticks (0: none seen yet).</summary>
    private double _attemptTicks;

    private readonly long _claimAheadBelow = (long)(queueOptions.Value.ClaimAheadBelow.TotalSeconds * Stopwatch.Frequency);

    private readonly int _aheadShares = queueOptions.Value.ClaimAheadShares ?? QueueOptions.ServerClaimAheadShares;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _key = this.GetPrimaryKeyString();
        var (queue, index) = QueueTopology.ParsePartitionKey(_key);
        _name = queue;
        _index = index;
        _owner = silo.SiloAddress.ToParsableString();
        _retired = index >= topology.PartitionsOf(queue);
        _share = _retired ? 0 : topology.ShareOf(queue, index);
        _paused = await GrainFactory.GetGrain<IQueueGrain>(queue).IsPaused();
        var now = time.GetUtcNow();
        var strays = new List<TaskInfo>();
        var loaded = Adopt(await store.LoadPartitionAsync(queue, index, cancellationToken), now, strays);
        _reconciledAt = now;
        if (loaded + strays.Count > 0)
        {
            LogReloaded(_name, index, loaded);
            await RegisterRecoveryAsync(cancellationToken);
        }
        if (strays.Count > 0)
        {
            _ = MoveAsync(strays);
        }
        Pump();
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _deactivating = true;
        gauges.Forget(_key);
        _rows.Clear();
        warmRows.Give(_rowBytes);
        _rowBytes = 0;
        // Claims stored ahead never ran: back to the queue, not counted, for the next activation to load. (Should this
        // fail, their leases lapse and the next activation's lease checks requeue them.)
        var ahead = _running.Values.Where(s => s.Phase == SlotPhase.Ahead).Select(s => s.Row!).ToList();
        _ahead.Clear();
        if (ahead.Count > 0)
        {
            await RequeueUnstartedAsync(ahead);
        }
    }

    public Task<bool> Enqueue(QueueEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (_running.ContainsKey(entry.TaskId))
        {
            return Task.FromResult(true);
        }
        var now = time.GetUtcNow();
        // Sent by a task grain after it changed the row: a row held from before is stale.
        ForgetRow(entry.TaskId);
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
        ForgetRow(taskId);
        _watched.Remove(taskId);
        ReportGauges();
        return Task.CompletedTask;
    }

    public Task Release(string taskId, int attempt, bool failed, QueueEntry? requeue)
    {
        // The task grain stored the end before it released the slot.
        FreeSlot(taskId, attempt);
        Count(failed);
        _watched.Remove(taskId);
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
        var (ready, running) = ReadyAndRunning();
        return Task.FromResult(new PartitionStats
        {
            Ready = ready,
            Scheduled = _queue.ScheduledCount,
            Running = running,
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

    public Task Rebalance()
    {
        var active = membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.SiloAddress).ToList();
        if (active.Count > 0 && !PartitionPlacement.HomeOf(_name, _index, active).Equals(silo.SiloAddress))
        {
            // Moved once idle; the new activation reloads from the table, and attempts running here report to it by key.
            LogMoving(_name, _index);
            this.MigrateOnIdle();
        }
        return Task.CompletedTask;
    }

    public async Task SilosDied(IReadOnlyList<string> silos)
    {
        ArgumentNullException.ThrowIfNull(silos);
        // A slot started by a task grain does not say where its attempt runs: check every lease now (a live holder just
        // answers that it holds). The table then gives back what the dead silos left out of memory.
        var now = time.GetUtcNow();
        foreach (var (id, slot) in _running.ToList())
        {
            if (slot.Attempt != 0 && (slot.Row is null || silos.Contains(slot.Row.LeaseOwner)))
            {
                _running[id] = slot with { CheckAt = now };
            }
        }
        _reconciledAt = DateTimeOffset.MinValue;
        await ReconcileAsync();
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (_unsettled)
        {
            // Retry the hand-overs, and let the reconcile find rows a move left here; settled once it finds none.
            _unsettled = !await HandOverAsync();
            _reconciledAt = DateTimeOffset.MinValue;
        }
        await ReconcileAsync();
        if (_queue.ReadyCount + _queue.ScheduledCount + _running.Count == 0 && !_unsettled)
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
        var strays = new List<TaskInfo>();
        var added = Adopt(await store.LoadPartitionAsync(queue, index), now, strays);
        if (added > 0)
        {
            LogReconciled(_name, index, added);
        }
        if (added + strays.Count > 0)
        {
            await RegisterRecoveryAsync();
        }
        if (strays.Count > 0)
        {
            await MoveAsync(strays);
        }
        Pump();
    }

    /// <summary>
    /// Takes table rows this partition does not hold yet: a running one gets its slot back with a lease check due now
    /// (its holder may be gone), a pending one goes into the index. A pending row that belongs to another partition under
    /// the queue's partition count (stored before the count changed) goes to <paramref name="strays"/> instead, out of the
    /// index, to be moved there. Returns how many were taken.
    /// </summary>
    private int Adopt(IReadOnlyList<TaskInfo> rows, DateTimeOffset now, List<TaskInfo> strays)
    {
        var adopted = 0;
        foreach (var row in rows)
        {
            if (_running.ContainsKey(row.Id))
            {
                continue;
            }
            if (row.Status.IsPending() && topology.PartitionOf(_name, row.Id) != _index)
            {
                _queue.Remove(row.Id);
                ForgetRow(row.Id);
                strays.Add(row);
                continue;
            }
            if (_queue.Contains(row.Id))
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
                AddPending(row, now);
            }
        }
        return adopted;
    }

    /// <summary>
    /// Moves pending rows to the partitions they belong to under the queue's partition count (compare-and-set: a row a
    /// task grain changed meanwhile stays, for the next reconcile), then hands each moved task to its new partition.
    /// This keeps the queue's limit when its partition count changes: a partition beyond the new count runs nothing, and a
    /// task runs under the share of the partition it belongs to. Whatever did not settle (a failed write, a lost
    /// compare-and-set, a hand-over that failed) keeps the recovery reminder registered: its reconcile finds the rows
    /// still stored here, and it retries the hand-overs.
    /// </summary>
    private async Task MoveAsync(List<TaskInfo> rows)
    {
        var settled = false;
        try
        {
            var moved = await store.MovePartitionAsync([.. rows.Select(r => (r, topology.PartitionOf(_name, r.Id)))]);
            LogMoved(_name, _index, moved.Count, rows.Count);
            _handOvers.AddRange(moved);
            settled = moved.Count == rows.Count;
        }
        catch (Exception ex)
        {
            LogMoveFailed(ex, _name, _index, rows.Count);
        }
        settled &= await HandOverAsync();
        if (!settled)
        {
            await KeepReminderAsync();
        }
    }

    /// <summary>Tells the new partitions of moved tasks about them; true when every hand-over so far went through.</summary>
    private async Task<bool> HandOverAsync()
    {
        var pending = _handOvers.ToList();
        _handOvers.Clear();
        foreach (var chunk in pending.Chunk(HandOverChunk))
        {
            var calls = chunk.Select(r => references.Partition(_name, r.Partition).Enqueue(QueueEntry.Of(r))).ToList();
            try
            {
                await Task.WhenAll(calls);
            }
            catch (Exception ex)
            {
                LogMoveFailed(ex, _name, _index, chunk.Length);
                _handOvers.AddRange(chunk.Where((_, i) => !calls[i].IsCompletedSuccessfully));
            }
        }
        return _handOvers.Count == 0;
    }

    /// <summary>The safety net: a reminder each minute that reconciles with the table, while this partition holds work.</summary>
    private Task<IGrainReminder> RegisterRecoveryAsync(CancellationToken cancellationToken = default) =>
        this.RegisterOrUpdateReminder(RecoveryReminder, RecoveryPeriod, RecoveryPeriod, cancellationToken);

    /// <summary>Keeps the recovery reminder while moves are unsettled (never throws: it runs from fire-and-forget paths).</summary>
    private async Task KeepReminderAsync()
    {
        _unsettled = true;
        try
        {
            await RegisterRecoveryAsync();
        }
        catch (Exception ex)
        {
            LogMoveFailed(ex, _name, _index, 0);
        }
    }

    /// <summary>A retired partition got tasks after its load (a retry, a lease that came back, a task grain's stale
    /// address): moves them on, reading their rows. Tasks handed over meanwhile get the next pass.</summary>
    private async Task MoveQueuedAsync()
    {
        _moving = true;
        var read = false;
        try
        {
            var ids = _queue.TakeAll();
            ids.ForEach(ForgetRow);
            var rows = new List<TaskInfo>(ids.Count);
            try
            {
                foreach (var chunk in ids.Chunk(HandOverChunk))
                {
                    rows.AddRange(await store.GetManyAsync(chunk));
                }
                read = true;
            }
            catch (Exception ex)
            {
                // The ids left memory; the reminder's reconcile finds their rows, still stored in this partition.
                LogMoveFailed(ex, _name, _index, ids.Count);
                await KeepReminderAsync();
            }
            if (read)
            {
                await MoveAsync([.. rows.Where(r => r.Partition == _index && r.Status.IsPending())]);
            }
        }
        finally
        {
            _moving = false;
        }
        if (read)
        {
            Pump();
        }
    }

    /// <summary>Starts what may start, then arms the timer for the next due time or lease check.</summary>
    private void Pump()
    {
        var now = time.GetUtcNow();
        if (_retired && !_moving && _queue.ReadyCount + _queue.ScheduledCount > 0)
        {
            _ = MoveQueuedAsync();
        }
        _queue.Promote(now);
        List<TaskInfo>? stale = null;
        List<KeyValuePair<string, Slot>>? due = null;
        foreach (var entry in _running)
        {
            if (entry.Value.CheckAt <= now)
            {
                (due ??= []).Add(entry);
            }
        }
        foreach (var (id, slot) in due ?? [])
        {
            if (slot.Phase == SlotPhase.Ahead)
            {
                // Claimed ahead and still waiting half a lease on (a long attempt holds the slot): the lease nobody renews
                // must not lapse into a lost attempt, so the claim is given back, not counted. Token 0: never handed now.
                _running[id] = slot with { CheckAt = DateTimeOffset.MaxValue, Token = 0 };
                (stale ??= []).Add(slot.Row!);
                continue;
            }
            _running[id] = slot with { CheckAt = DateTimeOffset.MaxValue };
            _ = CheckLeaseAsync(id, slot.Token);
        }
        if (stale is not null)
        {
            _ = RequeueUnstartedAsync(stale);
        }
        HandAhead();
        List<(string Id, long Token)>? claim = null;
        var room = _share + ClaimAhead();
        while (!_paused && now >= _holdUntil && runner.Accepting && _running.Count < room && _queue.TryDequeue(out var taskId))
        {
            var token = ++_dispatches;
            _running[taskId] = new Slot(token, 0, DateTimeOffset.MaxValue, Phase: SlotPhase.Claiming);
            (claim ??= []).Add((taskId, token));
        }
        if (claim is not null)
        {
            _ = ClaimAsync(claim);
        }
        ArmTimer(now);
        ReportGauges();
    }

    /// <summary>Hands the in-memory counts to the gauges (a late continuation after deactivation must not revive them).</summary>
    private void ReportGauges()
    {
        if (!_deactivating)
        {
            var (ready, running) = ReadyAndRunning();
            gauges.Report(_key, _name, ready, _queue.ScheduledCount, running);
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

    public async Task<IReadOnlyList<SubmitResult?>> Submit(IReadOnlyList<TaskSubmission> submissions)
    {
        ArgumentNullException.ThrowIfNull(submissions);
        var now = time.GetUtcNow();
        var options = taskOptions.Value;
        var created = new List<(TaskInfo? Before, Transition Transition)>(submissions.Count);
        foreach (var s in submissions)
        {
            // Only an idempotency key can replay a submission, so only a keyed task needs its fingerprint.
            var fingerprint = s.Spec.IdempotencyKey is null ? null : TaskSpecValidator.Fingerprint(s.Spec);
            created.Add((null, TaskLifecycle.Create(s.TaskId, _index, s.Spec, options.DefaultsFor(actions.Find(s.Spec.Action)), fingerprint, now)));
        }
        var starts = StartOnArrival(created, now);
        IReadOnlyList<TaskLifecycleEvent>[]? eventsOf = null;
        if (starts is not null)
        {
            // Stored already started, with both transitions' events: one commit before the handler runs, not two.
            eventsOf = new IReadOnlyList<TaskLifecycleEvent>[created.Count];
            for (var i = 0; i < created.Count; i++)
            {
                var (enqueued, started) = (created[i].Transition, starts[i].Started);
                eventsOf[i] = [.. TransitionEvents.Of(enqueued, null, now, _owner), .. TransitionEvents.Of(started, enqueued.State, now, _owner)];
                created[i] = (null, Transition.To(started.State!, [.. enqueued.Events, .. started.Events]));
            }
        }
        TaskInfo?[] stored;
        try
        {
            stored = await PersistManyAsync(created, now, eventsOf);
        }
        catch when (starts is not null)
        {
            foreach (var (id, token, _) in starts)
            {
                FreeClaim(id, token);
            }
            Pump();
            throw;
        }
        var results = new SubmitResult?[stored.Length];
        now = time.GetUtcNow();
        List<(string Id, long Token, TaskInfo Row)>? run = null;
        for (var i = 0; i < stored.Length; i++)
        {
            if (stored[i] is not { } row)
            {
                // The id exists: the intake asks its task grain; a slot kept for it is free again.
                if (starts is not null)
                {
                    FreeClaim(starts[i].Id, starts[i].Token);
                }
                continue;
            }
            results[i] = new SubmitResult { Task = row, Created = true };
            if (starts is not null)
            {
                (run ??= []).Add((row.Id, starts[i].Token, row));
            }
            else
            {
                AddPending(row, now);
            }
        }
        if (run is not null)
        {
            RunStarted(run);
        }
        Pump();
        return results;
    }

    /// <summary>
    /// When every task of a submission may start now (plain, due, no breaker, the queue running and nothing ready ahead of
    /// them, a free slot each), decides each start (<see cref="TaskLifecycle"/>), keeps their slots and answers their tokens
    /// and started states, so they are stored started; otherwise null and they wait in the index as usual. All or none, so
    /// a batch bigger than the free slots keeps its priority order.
    /// </summary>
    private List<(string Id, long Token, Transition Started)>? StartOnArrival(List<(TaskInfo? Before, Transition Transition)> created,
        DateTimeOffset now)
    {
        if (_paused || now < _holdUntil || !runner.Accepting || _queue.ReadyCount > 0 || _running.Count + created.Count > _share)
        {
            return null;
        }
        var starts = new List<(string Id, long Token, Transition Started)>(created.Count);
        foreach (var (_, transition) in created)
        {
            var task = transition.State!;
            if (task.Status != TaskStatus.Queued || task.DependsOn.Count > 0 || task.RequiresApproval || breakers.For(task.Action).Enabled
                || _running.ContainsKey(task.Id))
            {
                return null;
            }
            // At its creation's millisecond (the table's resolution), so the answer is the row a get reads back.
            var started = TaskLifecycle.Apply(task, new TaskCommand.Start(_owner, runner.LeaseDuration), task.CreatedAt);
            if (!started.Accepted)
            {
                return null;
            }
            starts.Add((task.Id, 0, started));
        }
        for (var i = 0; i < starts.Count; i++)
        {
            var token = ++_dispatches;
            _running[starts[i].Id] = new Slot(token, 0, DateTimeOffset.MaxValue, Phase: SlotPhase.Claiming);
            starts[i] = starts[i] with { Token = token };
        }
        return starts;
    }

    /// <summary>
    /// Takes the outcomes of attempts this partition handed out: their slots are free at once (the handlers have stopped)
    /// and the next claims go out before the outcomes are stored, sharing their group commit. Answers once the outcomes are
    /// stored (<see cref="TaskLifecycle"/> decides each, rows this partition did not hold read first): until then the
    /// runner keeps each attempt, so a lease check meanwhile finds it running, not lost. A failed store fails the call, and
    /// the runner reports again; an outcome never stored leaves its row running, and the lease brings the task back. The
    /// runner's next report does not wait for this one (<see cref="PartitionReports"/>).
    /// </summary>
    public async Task ReportOutcomes(IReadOnlyList<TaskOutcomeReport> reports)
    {
        ArgumentNullException.ThrowIfNull(reports);
        var rows = new Dictionary<string, TaskInfo>(StringComparer.Ordinal);
        List<string>? unknown = null;
        foreach (var r in reports)
        {
            if (_running.TryGetValue(r.TaskId, out var slot) && slot.Row is { } row && row.Attempt == r.Outcome.Attempt)
            {
                rows[r.TaskId] = row;
                ObserveAttempt(slot.HandedAt);
            }
            else
            {
                (unknown ??= []).Add(r.TaskId);
            }
        }
        foreach (var r in reports)
        {
            FreeSlot(r.TaskId, r.Outcome.Attempt);
        }
        Pump();
        if (unknown is not null)
        {
            foreach (var row in await store.GetManyAsync(unknown))
            {
                rows[row.Id] = row;
            }
        }
        var outcomes = reports.ToDictionary(r => r.TaskId, r => r.Outcome, StringComparer.Ordinal);
        var ended = await ApplyAsync(rows, (id, row) =>
        {
            var outcome = outcomes[id];
            // A cancelled task stopped: its end is already stored (by the cancel), nothing to record.
            return outcome.Kind == AttemptOutcomeKind.Cancelled && row.Status != TaskStatus.Running
                ? null
                : TaskLifecycle.CommandFor(outcome, Random.Shared.NextDouble());
        });
        var now = time.GetUtcNow();
        foreach (var r in reports)
        {
            // Counted once stored, so the queue's figures never run ahead of what a get reads.
            Count(r.Outcome.Kind != AttemptOutcomeKind.Succeeded);
            if (ended.TryGetValue(r.TaskId, out var after) && after.Status.IsPending())
            {
                AddPending(after, now);
            }
        }
        Pump();
    }

    public Task Watch(string taskId)
    {
        if (_watched.Count >= MaxWatched)
        {
            _watched.Clear();
        }
        _watched.Add(taskId);
        return Task.CompletedTask;
    }

    public Task CancelRunning(string taskId, int attempt)
    {
        if (runner.Cancel(taskId, attempt) || !_running.TryGetValue(taskId, out var slot))
        {
            return Task.CompletedTask;
        }
        if (slot.Phase == SlotPhase.Ahead && slot.Attempt == attempt)
        {
            // Claimed ahead, never handed to the runner: the cancel is stored, so the slot is simply free.
            _running.Remove(taskId);
            Pump();
        }
        else if (slot.Attempt == 0)
        {
            // Its claim is stored but the runner has not been handed the attempt yet: it must not be.
            _cancelledBeforeStart.Add((taskId, attempt));
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// Starts a batch of dequeued tasks: rows from memory or one read, the start decided by <see cref="TaskLifecycle"/>,
    /// stored in one group commit (compare-and-set on each row's version), then handed to this silo's runner.
    /// </summary>
    private async Task ClaimAsync(List<(string Id, long Token)> claim)
    {
        try
        {
            var rows = new Dictionary<string, TaskInfo>(StringComparer.Ordinal);
            List<string>? missing = null;
            foreach (var (id, _) in claim)
            {
                if (DropRow(id) is { } row)
                {
                    rows[id] = row;
                }
                else
                {
                    (missing ??= []).Add(id);
                }
            }
            if (missing is not null)
            {
                await ReadRowsAsync(missing, rows);
            }
            var lean = new Dictionary<string, TaskInfo>(StringComparer.Ordinal);
            foreach (var (id, token) in claim)
            {
                if (!Holds(id, token))
                {
                    continue;
                }
                if (!rows.TryGetValue(id, out var row))
                {
                    _running.Remove(id);
                }
                else if (row.DependsOn.Count > 0 || breakers.For(row.Action).Enabled)
                {
                    // Needs its dependencies' results or the action's breaker: its grain starts it (and the runner then
                    // runs it outside this partition's hand-off, so it takes a slot of the share from now).
                    _running[id] = _running[id] with { Phase = SlotPhase.Running };
                    _ = StartAsync(id, token);
                }
                else
                {
                    lean[id] = row;
                }
            }
            var started = await ApplyAsync(lean, (_, _) => new TaskCommand.Start(_owner, runner.LeaseDuration));
            var now = time.GetUtcNow();
            List<(string Id, long Token, TaskInfo Row)>? run = null;
            foreach (var (id, token) in claim)
            {
                if (!lean.ContainsKey(id))
                {
                    continue;
                }
                if (!started.TryGetValue(id, out var row) || row.Status != TaskStatus.Running)
                {
                    // Not runnable after all (cancelled, or not due yet): the slot is free; a pending one waits its turn.
                    FreeClaim(id, token);
                    if (started.TryGetValue(id, out var pending) && pending.Status.IsPending())
                    {
                        AddPending(pending, now);
                    }
                    continue;
                }
                (run ??= []).Add((id, token, row));
            }
            if (run is not null)
            {
                RunStarted(run);
            }
        }
        catch (Exception ex)
        {
            // The claim may or may not have been stored: keep the slots and let the lease check tell (it requeues a task
            // still pending and expires one whose holder is gone).
            LogClaimFailed(ex, _name, _index, claim.Count);
            var retryAt = time.GetUtcNow() + RetryAfterError;
            foreach (var (id, token) in claim)
            {
                if (_running.TryGetValue(id, out var slot) && slot.Token == token && slot.Attempt == 0)
                {
                    // Taken as running (it may be), so it neither holds back the claims behind it nor exceeds the share.
                    _running[id] = slot with { CheckAt = retryAt, Phase = SlotPhase.Running };
                }
            }
        }
        Pump();
    }

    /// <summary>
    /// Takes attempts whose start is stored: each waits under the slot its token holds until the share has room, and the
    /// pump that follows every caller hands them over (<see cref="HandAhead"/>), at once unless they were claimed ahead. One
    /// cancelled between its claim and now (the cancel is stored) never starts.
    /// </summary>
    private void RunStarted(List<(string Id, long Token, TaskInfo Row)> started)
    {
        var now = time.GetUtcNow();
        foreach (var (id, token, row) in started)
        {
            if (_cancelledBeforeStart.Remove((id, row.Attempt)))
            {
                _running.Remove(id);
                continue;
            }
            _running[id] = new Slot(token, row.Attempt, now + runner.LeaseDuration / 2, row, SlotPhase.Ahead);
            _ahead.Enqueue((id, token), token);
        }
    }

    /// <summary>
    /// Hands stored claims to this silo's runner while the share has room, oldest first. If the silo began stopping, the
    /// attempts the runner refused go back to the queue, not counted.
    /// </summary>
    private void HandAhead()
    {
        if (_ahead.Count == 0)
        {
            return;
        }
        var active = _running.CountOf(SlotPhase.Running);
        // A claim still on its way to the table was dequeued earlier than every claim stored after it: none of those passes it.
        var firstClaiming = _running.FirstClaiming;
        List<TaskInfo>? refused = null;
        while (active < _share && _ahead.TryPeek(out var next, out var token) && token < firstClaiming)
        {
            _ahead.Dequeue();
            if (!_running.TryGetValue(next.Id, out var slot) || slot.Token != next.Token || slot.Phase != SlotPhase.Ahead)
            {
                continue;
            }
            if (!runner.TryStart(RunRequest.For(slot.Row!, partition: _key)))
            {
                _running[next.Id] = slot with { Token = 0, CheckAt = DateTimeOffset.MaxValue };
                (refused ??= []).Add(slot.Row!);
                continue;
            }
            _running[next.Id] = slot with { Phase = SlotPhase.Running, HandedAt = Stopwatch.GetTimestamp(), CheckAt = time.GetUtcNow() + runner.LeaseDuration };
            active++;
        }
        if (refused is not null)
        {
            LogRunnerRefused(_name, _index, refused.Count);
            _holdUntil = time.GetUtcNow() + RetryAfterError;
            _ = RequeueUnstartedAsync(refused);
        }
    }

    /// <summary>Attempts stored as started that never ran go back to the queue, not counted (<see cref="TaskCommand.Interrupt"/>).</summary>
    private async Task RequeueUnstartedAsync(List<TaskInfo> rows)
    {
        try
        {
            var back = await ApplyAsync(rows.ToDictionary(r => r.Id, StringComparer.Ordinal), (_, row) => new TaskCommand.Interrupt(row.Attempt));
            foreach (var row in rows)
            {
                _running.Remove(row.Id);
                if (!_deactivating && back.TryGetValue(row.Id, out var after) && after.Status.IsPending())
                {
                    AddPending(after, time.GetUtcNow());
                }
            }
        }
        catch (Exception ex)
        {
            // Their slots stay, taken as running, until the lease check settles them (it requeues a task whose lease lapsed).
            LogClaimFailed(ex, _name, _index, rows.Count);
            var checkAt = time.GetUtcNow() + RetryAfterError;
            foreach (var row in rows)
            {
                if (_running.TryGetValue(row.Id, out var slot) && slot.Phase == SlotPhase.Ahead)
                {
                    _running[row.Id] = slot with { Phase = SlotPhase.Running, CheckAt = checkAt };
                }
            }
        }
        if (!_deactivating)
        {
            Pump();
        }
    }

    /// <summary>What the queue's figures show: a claim ahead waits for a slot, so it counts as ready, not running.</summary>
    private (int Ready, int Running) ReadyAndRunning()
    {
        var ahead = _running.CountOf(SlotPhase.Ahead);
        return (_queue.ReadyCount + ahead, _running.Count - ahead);
    }

    /// <summary>Claims beyond the share this partition keeps stored: <see cref="QueueOptions.ClaimAheadShares"/> shares'
    /// worth while its attempts are short (<see cref="QueueOptions.ClaimAheadBelow"/>), none before it has seen one.</summary>
    private int ClaimAhead() => _attemptTicks > 0 && _attemptTicks < _claimAheadBelow ? _share * _aheadShares : 0;

    /// <summary>Adds an attempt's time, hand-off to report, to the moving mean.</summary>
    private void ObserveAttempt(long handedAt)
    {
        if (handedAt == 0)
        {
            return;
        }
        var ticks = Stopwatch.GetTimestamp() - handedAt;
        _attemptTicks = _attemptTicks == 0 ? ticks : _attemptTicks + (ticks - _attemptTicks) / 16;
    }

    /// <summary>An attempt ended: its slot is free (unless a newer attempt holds it).</summary>
    private void FreeSlot(string taskId, int attempt)
    {
        if (_running.TryGetValue(taskId, out var slot) && (slot.Attempt == 0 || slot.Attempt == attempt))
        {
            _running.Remove(taskId);
        }
    }

    private bool Holds(string id, long token) => _running.TryGetValue(id, out var slot) && slot.Token == token;

    /// <summary>A claim that will not run: its slot is free (unless a newer claim holds it).</summary>
    private void FreeClaim(string id, long token)
    {
        if (Holds(id, token))
        {
            _running.Remove(id);
        }
    }

    /// <summary>
    /// Applies a command to each row and stores every accepted transition in one group commit with its event-log rows. A
    /// write that loses its compare-and-set (a task grain or another batch changed the row) is decided again on the fresh
    /// row. Returns each task's row as it now stands (after the transition, or unchanged when the command was refused or
    /// none applies); a task whose row is gone is missing. Ends are told to dependents and waiting task grains.
    /// </summary>
    private async Task<Dictionary<string, TaskInfo>> ApplyAsync(Dictionary<string, TaskInfo> rows, Func<string, TaskInfo, TaskCommand?> commandFor)
    {
        var result = new Dictionary<string, TaskInfo>(rows.Count, StringComparer.Ordinal);
        var current = rows;
        for (var round = 1; current.Count > 0; round++)
        {
            var now = time.GetUtcNow();
            var writes = new List<(TaskInfo? Before, Transition Transition)>(current.Count);
            foreach (var (id, row) in current)
            {
                var transition = commandFor(id, row) is { } command ? TaskLifecycle.Apply(row, command, now) : null;
                if (transition is { Accepted: true })
                {
                    writes.Add((row, transition));
                }
                else
                {
                    if (transition is { Accepted: false })
                    {
                        LogRefused(id, transition.Rejection!);
                    }
                    result[id] = row;
                }
            }
            var stored = await PersistManyAsync(writes, now);
            List<string>? stale = null;
            for (var i = 0; i < stored.Length; i++)
            {
                var before = writes[i].Before!;
                if (stored[i] is { } after)
                {
                    result[after.Id] = after;
                    if (after.Status.IsTerminal() && !before.Status.IsTerminal())
                    {
                        TellEnded(after);
                    }
                }
                else if (round < MaxStaleRounds)
                {
                    (stale ??= []).Add(before.Id);
                }
                else
                {
                    LogStale(before.Id, round);
                }
            }
            current = stale is null
                ? []
                : (await store.GetManyAsync(stale)).ToDictionary(r => r.Id, StringComparer.Ordinal);
        }
        return result;
    }

    /// <summary>
    /// Stores transitions in one group commit (each with its events in its row's transaction) and publishes the events of
    /// those stored (<paramref name="eventsOf"/>, when given, in place of each transition's own). An item answers null when its
    /// compare-and-set lost (or, for a new task, the id exists).
    /// </summary>
    private async Task<TaskInfo?[]> PersistManyAsync(List<(TaskInfo? Before, Transition Transition)> items, DateTimeOffset now,
        IReadOnlyList<TaskLifecycleEvent>[]? eventsOf = null)
    {
        var published = new IReadOnlyList<TaskLifecycleEvent>[items.Count];
        var writes = new Task<long>[items.Count];
        for (var i = 0; i < items.Count; i++)
        {
            var (before, transition) = items[i];
            published[i] = eventsOf?[i] ?? TransitionEvents.Of(transition, before, now, _owner);
            writes[i] = published[i].Count == 0
                ? store.SaveAsync(transition.State!)
                : store.SaveAsync(transition.State!, published[i].Select(EventLogRows.FromTask).ToList());
        }
        var stored = new TaskInfo?[items.Count];
        Exception? failure = null;
        for (var i = 0; i < items.Count; i++)
        {
            try
            {
                stored[i] = items[i].Transition.State! with { Version = await writes[i] };
                events.Publish(published[i]);
            }
            catch (ConflictException)
            {
                stored[i] = null;
            }
            catch (Exception ex)
            {
                failure ??= ex;
            }
        }
        if (failure is not null)
        {
            throw failure;
        }
        return stored;
    }

    /// <summary>A task ended here: wake its dependents (they read the stored end) and the grain waiting on it, if any.</summary>
    private void TellEnded(TaskInfo ended)
    {
        foreach (var dependent in ended.Dependents)
        {
            references.Task(dependent).CheckDependencies(watch: false).Ignore();
        }
        if (_watched.Remove(ended.Id))
        {
            references.Task(ended.Id).Ended().Ignore();
        }
    }

    /// <summary>
    /// Reads the claimed rows that were not held, and with them the rows of the next ready tasks (up to
    /// <see cref="ReadAhead"/>, while the silo's <see cref="WarmRows"/> budget has room), which are kept for the claims that follow. While a backlog too
    /// big to hold drains, a claim takes a few tasks at a time, and on SQLite every read after a write starts from an
    /// emptied page cache: one read per claim cost a silo 6–9 % of its CPU per task (bench/README). A row read ahead is
    /// held like a warm one, and like one it is checked by its version when its start is stored.
    /// </summary>
    private async Task ReadRowsAsync(List<string> missing, Dictionary<string, TaskInfo> rows)
    {
        var room = warmRows.HasRoom ? ReadAhead : 0;
        var ahead = room <= 0 ? [] : _queue.Peek(room).Where(id => !_rows.ContainsKey(id)).ToHashSet(StringComparer.Ordinal);
        var invalidated = _rowsInvalidated;
        foreach (var row in await store.GetManyAsync(ahead.Count == 0 ? missing : [.. missing, .. ahead]))
        {
            if (!ahead.Contains(row.Id))
            {
                rows[row.Id] = row;
            }
            else if (invalidated == _rowsInvalidated && row.Status.IsPending() && _queue.Contains(row.Id))
            {
                HoldRow(row);
            }
        }
    }

    /// <summary>Drops a held row that its task grain changed or removed, and tells a read ahead in flight (see <see cref="ReadRowsAsync"/>).</summary>
    private void ForgetRow(string taskId)
    {
        DropRow(taskId);
        _rowsInvalidated++;
    }

    /// <summary>Keeps a pending task's row if the silo's budget has room for it (replacing any it held).</summary>
    private void HoldRow(TaskInfo row)
    {
        DropRow(row.Id);
        var size = WarmRows.SizeOf(row);
        if (!_deactivating && warmRows.TryTake(size))
        {
            _rows[row.Id] = (row, size);
            _rowBytes += size;
        }
    }

    /// <summary>Lets go of a held row, giving its bytes back; returns it, or null if none was held.</summary>
    private TaskInfo? DropRow(string taskId)
    {
        if (!_rows.Remove(taskId, out var held))
        {
            return null;
        }
        warmRows.Give(held.Size);
        _rowBytes -= held.Size;
        return held.Row;
    }

    /// <summary>Indexes a pending task, keeping its row while the backlog is small enough for rows to stay in memory.</summary>
    private void AddPending(TaskInfo row, DateTimeOffset now)
    {
        _queue.Add(QueueEntry.Of(row), now);
        if ((row.DueAt ?? now) <= now + _warmHorizon)
        {
            HoldRow(row);
        }
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

    /// <summary>A held slot: the dispatch that took it, the attempt once known (0 while starting), when to check its lease,
    /// the row of an attempt the batch path started (so its outcome needs no read), and its phase: a claim on its way to the
    /// table, a stored claim waiting for room in the share (<see cref="SlotPhase.Ahead"/>), or an attempt that takes a slot
    /// of the share (handed to the runner, started by its grain, or found running in the table). <paramref name="HandedAt"/>
    /// is the stopwatch time of the hand-off, 0 if none.</summary>
    private readonly record struct Slot(long Token, int Attempt, DateTimeOffset CheckAt, TaskInfo? Row = null,
        SlotPhase Phase = SlotPhase.Running, long HandedAt = 0);

    private enum SlotPhase
    {
        Claiming,
        Ahead,
        Running,
    }

    /// <summary>The partition's slots by task id, counted by phase as they change (the pump asks on every turn), with the
    /// tokens of the claims on their way to the table in order.</summary>
    private sealed class SlotTable : IEnumerable<KeyValuePair<string, Slot>>
    {
        private readonly Dictionary<string, Slot> _slots = new(StringComparer.Ordinal);
        private readonly int[] _phases = new int[3];
        private readonly SortedSet<long> _claiming = [];

        public int Count => _slots.Count;

        public Dictionary<string, Slot>.ValueCollection Values => _slots.Values;

        /// <summary>The earliest claim still on its way to the table, or <see cref="long.MaxValue"/>.</summary>
        public long FirstClaiming => _claiming.Count == 0 ? long.MaxValue : _claiming.Min;

        public int CountOf(SlotPhase phase) => _phases[(int)phase];

        public Slot this[string id]
        {
            get => _slots[id];
            set
            {
                if (_slots.TryGetValue(id, out var old))
                {
                    Forget(old);
                }
                _slots[id] = value;
                _phases[(int)value.Phase]++;
                if (value.Phase == SlotPhase.Claiming)
                {
                    _claiming.Add(value.Token);
                }
            }
        }

        public bool TryGetValue(string id, out Slot slot) => _slots.TryGetValue(id, out slot);

        public bool ContainsKey(string id) => _slots.ContainsKey(id);

        public bool Remove(string id)
        {
            if (!_slots.Remove(id, out var old))
            {
                return false;
            }
            Forget(old);
            return true;
        }

        private void Forget(Slot old)
        {
            _phases[(int)old.Phase]--;
            if (old.Phase == SlotPhase.Claiming)
            {
                _claiming.Remove(old.Token);
            }
        }

        public Dictionary<string, Slot>.Enumerator GetEnumerator() => _slots.GetEnumerator();

        IEnumerator<KeyValuePair<string, Slot>> IEnumerable<KeyValuePair<string, Slot>>.GetEnumerator() => GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Queue {Queue} partition {Partition}: moved {Moved} of {Count} pending tasks stored before the queue's partition count changed to the partitions they belong to now")]
    private partial void LogMoved(string queue, int partition, int moved, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queue {Queue} partition {Partition}: moving {Count} tasks to the partitions they belong to failed; the next reconcile tries again")]
    private partial void LogMoveFailed(Exception ex, string queue, int partition, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Queue {Queue} partition {Partition} reloaded {Count} pending and running tasks")]
    private partial void LogReloaded(string queue, int partition, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queue {Queue} partition {Partition}: reconciling with the task table found {Count} tasks missing from memory")]
    private partial void LogReconciled(string queue, int partition, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queue {Queue} partition {Partition}: claiming {Count} tasks failed; their state will be checked again shortly")]
    private partial void LogClaimFailed(Exception exception, string queue, int partition, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Queue {Queue} partition {Partition}: the cluster changed, moving to the silo it now belongs on")]
    private partial void LogMoving(string queue, int partition);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queue {Queue} partition {Partition}: this silo's runner refused {Count} started attempts (stopping?); they go back to the queue and claims pause a second")]
    private partial void LogRunnerRefused(string queue, int partition, int count);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Task {TaskId}: batch transition refused: {Reason}")]
    private partial void LogRefused(string taskId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskId}: the row kept changing under the batch path ({Rounds} rounds); left to its lease check")]
    private partial void LogStale(string taskId, int rounds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Calling task {TaskId} failed; its state will be checked again shortly")]
    private partial void LogStartFailed(Exception exception, string taskId);
}
