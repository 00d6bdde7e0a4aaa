using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OmniActors.Actions;
using OmniActors.Domain;
using OmniActors.Errors;
using OmniActors.Lifecycle;
using OmniActors.Queues;
using OmniActors.Running;
using OmniActors.Storage;
using Orleans.Runtime;
using TaskStatus = OmniActors.Tasks.TaskStatus;

namespace OmniActors.Tasks;

/// <summary>
/// One task. Thin: <see cref="TaskLifecycle"/> decides every transition; this grain persists it to the task
/// table before answering (persist-before-return), publishes its events, and talks to its queue partition
/// and the silo's runner. Its state lives in the table, so it does not linger in memory: it deactivates when
/// the task ends and after two idle minutes otherwise (a million queued tasks must not mean a million activations).
/// </summary>
[CollectionAgeLimit(Minutes = 2)]
internal sealed partial class TaskGrain(
    ITaskStore store,
    TaskRunner runner,
    ActionRegistry actions,
    QueueTopology topology,
    IOptions<TaskOptions> taskOptions,
    TaskEventSinks events,
    Breakers.BreakerSettingsProvider breakers,
    TaskGrainReferences references,
    ILocalSiloDetails silo,
    IClusterMembershipService membership,
    TimeProvider time,
    ILogger<TaskGrain> logger) : Grain, ITaskGrain
{
    private readonly TaskOptions _options = taskOptions.Value;
    private readonly List<TaskCompletionSource> _waiters = [];
    private TaskInfo? _state;
    private bool _loaded;

    /// <summary>How often an operation is tried again from a fresh read when the batch path changed the row underneath it.</summary>
    private const int MaxStaleRetries = 8;

    /// <summary>How often a waiter reads the row again in case the partition that should tell it of the end moved or died.</summary>
    private static readonly TimeSpan WaitRecheck = TimeSpan.FromSeconds(2);

    private string Id => this.GetPrimaryKeyString();
    private string Owner => silo.SiloAddress.ToParsableString();

    /// <summary>
    /// The row, read on first need in each call rather than on activation: a submission inserts without reading (the
    /// insert itself says when the id exists), so a new task costs no read at all. Nothing is trusted across calls: the
    /// queue partition's batch path writes the row too (claims, outcomes), so every call starts from the stored row and
    /// the row's version decides any race (<see cref="FreshAsync{T}"/>).
    /// </summary>
    private async Task<TaskInfo?> LoadAsync()
    {
        if (!_loaded)
        {
            var row = await store.GetAsync(Id);
            if (!_loaded)
            {
                // An interleaved call may have loaded (or written) meanwhile; the first to finish wins.
                _state = row;
                _loaded = true;
            }
        }
        return _state;
    }

    public async Task<SubmitResult> Submit(TaskSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        _loaded = false;
        var now = time.GetUtcNow();
        // Only an idempotency key can replay a submission, so only a keyed task needs its fingerprint (JSON and SHA-256
        // of the spec: ~3 % of the silo's busy time at throughput when every task paid it).
        var fingerprint = spec.IdempotencyKey is null ? null : TaskSpecValidator.Fingerprint(spec);
        if (spec.DependsOn is { Count: > 0 })
        {
            // Its dependencies are checked before the insert, so read first: a replay or a reused id must be answered
            // as such, not refused for a dependency (rare enough to afford the read).
            await LoadAsync();
        }
        if (!_loaded)
        {
            try
            {
                return await CreateAsync(spec, fingerprint, now);
            }
            catch (ConflictException)
            {
                // The id exists: PersistAsync adopted the stored row; answer as for any existing task.
            }
        }
        if (_state is { } existing)
        {
            if (spec.IdempotencyKey is not null && existing.IdempotencyKey == spec.IdempotencyKey)
            {
                if (existing.SpecHash != fingerprint)
                {
                    throw new ConflictException(ErrorCodes.IdempotencyConflict,
                        $"Idempotency key '{spec.IdempotencyKey}' was already used for task {Id} with a different request.");
                }
                if (existing.Status.IsPending())
                {
                    // A replay may follow a submission whose Enqueue was lost (its silo died): telling the partition again is harmless.
                    await Partition(existing).Enqueue(QueueEntry.Of(existing));
                }
                return new SubmitResult { Task = View(existing, now), Created = false };
            }
            throw new ConflictException(ErrorCodes.Conflict, $"Task {Id} already exists.");
        }
        return await CreateAsync(spec, fingerprint, now);
    }

    private async Task<SubmitResult> CreateAsync(TaskSpec spec, string? fingerprint, DateTimeOffset now)
    {
        if (TaskSpecValidator.Validate(spec, _options.Limits, actions.Contains, now) is { } invalid)
        {
            throw invalid;
        }
        if (spec.DependsOn is { Count: > 0 } dependsOn)
        {
            await CheckDependenciesExistAsync(dependsOn);
        }
        var queue = spec.Queue ?? TaskDefaults.DefaultQueue;
        var created = TaskLifecycle.Create(Id, topology.PartitionOf(queue, Id), spec, _options.DefaultsFor(actions.Find(spec.Action)), fingerprint, now);
        var state = await PersistAsync(created, now);
        if (state.Status == TaskStatus.WaitingOnDependencies)
        {
            // Stored first, then registered with each dependency: a dependency ending meanwhile either answers the
            // registration as ended, or (registered before it ended) wakes us. Either way nothing is missed.
            state = await ResolveDependenciesAsync(watch: true);
        }
        else if (state.Status.IsPending())
        {
            await EnqueueAsync(state);
        }
        return new SubmitResult { Task = View(state, now), Created = true };
    }

    private async Task CheckDependenciesExistAsync(IReadOnlyList<string> dependsOn)
    {
        if (dependsOn.Contains(Id, StringComparer.Ordinal))
        {
            throw new TaskValidationException(ErrorCodes.DependencyNotFound, $"Task {Id} cannot depend on itself.");
        }
        var found = (await store.GetManyAsync(dependsOn.ToList())).Select(t => t.Id).ToHashSet(StringComparer.Ordinal);
        var missing = dependsOn.Where(d => !found.Contains(d)).ToList();
        if (missing.Count > 0)
        {
            throw new TaskValidationException(ErrorCodes.DependencyNotFound,
                $"The task depends on {string.Join(", ", missing)}, which {(missing.Count == 1 ? "does" : "do")} not exist; nothing was created.");
        }
    }

    public Task<TaskStatus?> WatchDependent(string dependentId)
    {
        ArgumentNullException.ThrowIfNull(dependentId);
        return FreshAsync(() => WatchDependentAsync(dependentId));
    }

    private async Task<TaskStatus?> WatchDependentAsync(string dependentId)
    {
        if (await LoadAsync() is not { } state)
        {
            return null;
        }
        if (state.Status.IsTerminal() || state.Dependents.Contains(dependentId, StringComparer.Ordinal))
        {
            return state.Status;
        }
        var now = time.GetUtcNow();
        return (await PersistAsync(Transition.To(state with { Dependents = [.. state.Dependents, dependentId] }), now)).Status;
    }

    public Task CheckDependencies(bool watch) => FreshAsync(async () =>
    {
        if (await LoadAsync() is { Status: TaskStatus.WaitingOnDependencies })
        {
            await ResolveDependenciesAsync(watch);
        }
    });

    /// <summary>Reads how the dependencies stand and applies the verdict of <see cref="DependencyRules"/>.</summary>
    private async Task<TaskInfo> ResolveDependenciesAsync(bool watch)
    {
        var dependsOn = _state!.DependsOn;
        Dictionary<string, TaskStatus?> statuses;
        if (watch)
        {
            var answers = await Task.WhenAll(dependsOn.Select(async d => (Id: d, Status: await GrainFactory.GetGrain<ITaskGrain>(d).WatchDependent(Id))));
            statuses = answers.ToDictionary(a => a.Id, a => a.Status, StringComparer.Ordinal);
        }
        else
        {
            // A dependency stores its end before it tells us, so the table is enough (and calls no grain back).
            var rows = await store.GetManyAsync(dependsOn.ToList());
            statuses = dependsOn.ToDictionary(d => d, d => rows.FirstOrDefault(r => r.Id == d)?.Status, StringComparer.Ordinal);
        }
        var state = _state!;
        if (state.Status != TaskStatus.WaitingOnDependencies)
        {
            return state;
        }
        var (verdict, detail) = DependencyRules.Evaluate(state, statuses);
        if (DependencyRules.CommandFor(verdict, detail) is not { } command)
        {
            return state;
        }
        var now = time.GetUtcNow();
        var after = await PersistAsync(TaskLifecycle.Apply(state, command, now), now);
        if (after.Status.IsPending())
        {
            await EnqueueAsync(after);
        }
        return after;
    }

    public Task<TaskInfo> Decide(ApprovalRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (ApprovalRules.Validate(request, _options.Limits) is { } invalid)
        {
            throw invalid;
        }
        return FreshAsync(() => DecideAsync(request));
    }

    private async Task<TaskInfo> DecideAsync(ApprovalRequest request)
    {
        var state = await ExistingAsync();
        var now = time.GetUtcNow();
        var transition = TaskLifecycle.Apply(state, ApprovalRules.CommandFor(request), now);
        if (!transition.Accepted)
        {
            throw new ConflictException(ErrorCodes.NotAwaitingApproval, transition.Rejection!);
        }
        var after = await PersistAsync(transition, now);
        if (after.Status.IsPending())
        {
            await EnqueueAsync(after);
        }
        return View(after, now);
    }

    public async Task<TaskInfo?> Get()
    {
        _loaded = false;
        return await LoadAsync() is { } state ? View(state, time.GetUtcNow()) : null;
    }

    /// <summary>
    /// Waits on the grain's own transitions and on the partition's word (the batch path ends tasks without this grain),
    /// registered before the row is read so an end cannot slip between the two; the row is read again every few seconds
    /// in case that partition moved or died before telling.
    /// </summary>
    public async Task<TaskInfo?> WaitForEnd(TimeSpan maxWait)
    {
        var current = await Get();
        if (current is null || current.Status.IsTerminal())
        {
            return current;
        }
        var deadline = time.GetUtcNow() + maxWait;
        await Partition(current).Watch(Id);
        while (true)
        {
            current = await Get();
            var left = deadline - time.GetUtcNow();
            if (current is null || current.Status.IsTerminal() || left <= TimeSpan.Zero)
            {
                return current;
            }
            var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add(waiter);
            try
            {
                await waiter.Task.WaitAsync(left < WaitRecheck ? left : WaitRecheck, time);
            }
            catch (TimeoutException)
            {
                // Read the row again: the caller gets the current state once its wait is over and may wait again.
            }
            finally
            {
                _waiters.Remove(waiter);
            }
        }
    }

    public Task Ended()
    {
        foreach (var waiter in _waiters.ToList())
        {
            waiter.TrySetResult();
        }
        return Task.CompletedTask;
    }

    public Task<TaskInfo> Cancel(string? reason) => FreshAsync(() => CancelAsync(reason));

    private async Task<TaskInfo> CancelAsync(string? reason)
    {
        var state = await ExistingAsync();
        var now = time.GetUtcNow();
        var transition = TaskLifecycle.Apply(state, new TaskCommand.Cancel(reason), now);
        if (!transition.Accepted)
        {
            throw new ConflictException(ErrorCodes.InvalidTransition, transition.Rejection!);
        }
        var cancelled = await PersistAsync(transition, now);
        if (state.Status == TaskStatus.Running)
        {
            // The slot is released when the runner reports the handler has stopped. The attempt runs on this silo (started by
            // this grain) or on its partition's (the batch path): fire the token wherever it is.
            runner.Cancel(Id, state.Attempt);
            await Partition(state).CancelRunning(Id, state.Attempt);
        }
        else
        {
            await Partition(state).Remove(Id);
        }
        return View(cancelled, now);
    }

    public Task<TaskInfo> Requeue() => FreshAsync(RequeueAsync);

    private async Task<TaskInfo> RequeueAsync()
    {
        var now = time.GetUtcNow();
        var transition = TaskLifecycle.Apply(await ExistingAsync(), new TaskCommand.Requeue(), now);
        if (!transition.Accepted)
        {
            throw new ConflictException(ErrorCodes.InvalidTransition, transition.Rejection!);
        }
        var state = await PersistAsync(transition, now);
        await EnqueueAsync(state);
        return View(state, now);
    }

    public async Task Purge()
    {
        _loaded = false;
        var state = await ExistingAsync();
        if (state.Status != TaskStatus.DeadLettered)
        {
            throw new ConflictException(ErrorCodes.InvalidTransition, $"Only dead-lettered tasks can be purged; task {Id} is {state.Status}.");
        }
        await store.DeleteAsync(Id, state.Version);
        _state = null;
        DeactivateOnIdle();
    }

    public Task<StartResult> Start() => FreshAsync(StartAsync);

    private async Task<StartResult> StartAsync()
    {
        if (!runner.Accepting)
        {
            return new StartResult { Kind = StartKind.Refused };
        }
        if (await LoadAsync() is not { } state)
        {
            return new StartResult { Kind = StartKind.NotRunnable };
        }
        if (state.Status == TaskStatus.Running)
        {
            // A start whose answer never reached the partition (the caller or this silo failed): not a second run.
            return new StartResult { Kind = StartKind.AlreadyRunning, Attempt = state.Attempt };
        }
        var now = time.GetUtcNow();
        var transition = TaskLifecycle.Apply(state, new TaskCommand.Start(Owner, runner.LeaseDuration), now);
        if (!transition.Accepted)
        {
            var notDue = state.Status is TaskStatus.Scheduled or TaskStatus.Retrying ? state.DueAt : null;
            return new StartResult { Kind = StartKind.NotRunnable, DueAt = notDue, Priority = state.Priority };
        }
        if (breakers.For(state.Action).Enabled
            && await GrainFactory.GetGrain<Breakers.ICircuitBreakerGrain>(state.Action).Acquire(Id) is { Allowed: false } held)
        {
            // Held by the action's open breaker: not started, no attempt counted; the partition keeps it until then.
            return new StartResult { Kind = StartKind.NotRunnable, DueAt = held.RetryAt, Priority = state.Priority };
        }
        var dependencies = state.DependsOn.Count > 0 ? await DependencyResultsAsync(state, now) : null;
        var running = await PersistAsync(transition, now);
        if (!runner.TryStart(RunRequest.For(running, dependencies)))
        {
            // The silo began stopping between the check and now: give the attempt back (and a breaker probe permit with it).
            await PersistAsync(TaskLifecycle.Apply(running, new TaskCommand.Interrupt(running.Attempt), now), now);
            if (breakers.For(running.Action).Enabled)
            {
                await GrainFactory.GetGrain<Breakers.ICircuitBreakerGrain>(running.Action).Report(Id, Breakers.BreakerOutcome.Abandoned);
            }
            return new StartResult { Kind = StartKind.Refused };
        }
        return new StartResult { Kind = StartKind.Started, Attempt = running.Attempt };
    }

    public Task ReportOutcome(AttemptOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        return FreshAsync(() => ReportOutcomeAsync(outcome));
    }

    private async Task ReportOutcomeAsync(AttemptOutcome outcome)
    {
        if (await LoadAsync() is not { } state)
        {
            return;
        }
        var now = time.GetUtcNow();
        var command = TaskLifecycle.CommandFor(outcome, Random.Shared.NextDouble());
        var transition = outcome.Kind == AttemptOutcomeKind.Cancelled && state.Status != TaskStatus.Running
            ? null
            : TaskLifecycle.Apply(state, command, now);
        if (transition is { Accepted: false })
        {
            LogReportRefused(Id, outcome.Attempt, transition.Rejection!);
        }
        var after = transition is { Accepted: true } ? await PersistAsync(transition, now) : state;
        if (transition is { Accepted: true } && breakers.For(state.Action).Enabled)
        {
            await GrainFactory.GetGrain<Breakers.ICircuitBreakerGrain>(state.Action).Report(Id, outcome.Kind switch
            {
                AttemptOutcomeKind.Succeeded => Breakers.BreakerOutcome.Succeeded,
                AttemptOutcomeKind.Failed or AttemptOutcomeKind.TimedOut => Breakers.BreakerOutcome.Failed,
                _ => Breakers.BreakerOutcome.Abandoned,
            });
        }
        var requeue = after.Status is TaskStatus.Queued or TaskStatus.Retrying ? QueueEntry.Of(after) : null;
        await Partition(after).Release(Id, outcome.Attempt, outcome.Kind != AttemptOutcomeKind.Succeeded, requeue);
    }

    public Task<bool> Heartbeat(int attempt) => FreshAsync(() => HeartbeatAsync(attempt));

    private async Task<bool> HeartbeatAsync(int attempt)
    {
        if (await LoadAsync() is not { } state)
        {
            return false;
        }
        var now = time.GetUtcNow();
        var transition = TaskLifecycle.Apply(state, new TaskCommand.Heartbeat(attempt, runner.LeaseDuration), now);
        if (!transition.Accepted)
        {
            return false;
        }
        await PersistAsync(transition, now);
        return true;
    }

    public Task<LeaseStatus> CheckLease() => FreshAsync(CheckLeaseAsync);

    private async Task<LeaseStatus> CheckLeaseAsync()
    {
        if (await LoadAsync() is not { Status: TaskStatus.Running } state)
        {
            // Not running: the slot is free; a task still pending goes back to the partition rather than being forgotten.
            return new LeaseStatus
            {
                Holding = false,
                Attempt = _state?.Attempt ?? 0,
                Requeue = _state is { } pending && pending.Status.IsPending() ? QueueEntry.Of(pending) : null,
            };
        }
        var now = time.GetUtcNow();
        var holderAlive = state.LeaseOwner == Owner
            ? runner.IsRunning(Id, state.Attempt)
            : state.LeaseOwner is { } owner && IsActive(owner);
        if (holderAlive && state.LeaseExpiresAt > now)
        {
            return new LeaseStatus { Holding = true, Attempt = state.Attempt, NextCheckAt = state.LeaseExpiresAt };
        }
        LogLeaseExpired(Id, state.Attempt, state.LeaseOwner);
        var after = await PersistAsync(TaskLifecycle.Apply(state, new TaskCommand.ExpireLease(Random.Shared.NextDouble()), now), now);
        return new LeaseStatus
        {
            Holding = false,
            Attempt = state.Attempt,
            Requeue = after.Status is TaskStatus.Retrying or TaskStatus.Queued ? QueueEntry.Of(after) : null,
        };
    }

    /// <summary>What the handler sees of its dependencies: how each ended and its result while it has not expired.</summary>
    private async Task<IReadOnlyList<DependencyResult>> DependencyResultsAsync(TaskInfo state, DateTimeOffset now)
    {
        var rows = (await store.GetManyAsync(state.DependsOn.ToList())).ToDictionary(r => r.Id, StringComparer.Ordinal);
        return state.DependsOn.Select(d => rows.TryGetValue(d, out var row)
            ? new DependencyResult
            {
                TaskId = d,
                WorkflowKey = row.WorkflowId is not null && row.WorkflowId == state.WorkflowId ? row.WorkflowKey : null,
                Status = row.Status,
                Result = View(row, now).Result,
            }
            : new DependencyResult { TaskId = d, Status = TaskStatus.Cancelled }).ToList();
    }

    private bool IsActive(string owner)
    {
        try
        {
            return membership.CurrentSnapshot.GetSiloStatus(SiloAddress.FromParsableString(owner)) == SiloStatus.Active;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>Hands a pending task to its partition; a task that will wait there (paused queue, deep backlog, due later)
    /// lets its activation go and reloads its row when dispatched.</summary>
    private async Task EnqueueAsync(TaskInfo state)
    {
        if (!await Partition(state).Enqueue(QueueEntry.Of(state)))
        {
            DeactivateOnIdle();
        }
    }

    /// <summary>Writes the transition's state, then adopts it: nothing is reported before it is stored.</summary>
    private async Task<TaskInfo> PersistAsync(Transition transition, DateTimeOffset now)
    {
        var next = transition.State!;
        var before = _state;
        var published = TransitionEvents.Of(transition, before, now, Owner);
        long version;
        try
        {
            // The events go into the event log in the row's own transaction (see EventLogStore).
            version = published.Count == 0
                ? await store.SaveAsync(next)
                : await store.SaveAsync(next, published.Select(EventLogRows.FromTask).ToList());
        }
        catch (ConflictException ex) when (next.Version != 0)
        {
            // Someone else wrote the row (the partition's batch path, or a second activation during a network partition):
            // the operation starts over from the stored row (FreshAsync).
            _loaded = false;
            throw new StaleStateException(ex.Message);
        }
        catch (ConflictException)
        {
            // The id exists: adopt the truth (Submit answers as for any existing task).
            _state = await store.GetAsync(Id);
            _loaded = true;
            throw;
        }
        _state = next with { Version = version };
        _loaded = true;
        if (published.Count > 0)
        {
            events.Publish(published);
        }
        if (_state.Status.IsTerminal())
        {
            foreach (var waiter in _waiters.ToList())
            {
                waiter.TrySetResult();
            }
            if (before?.Status.IsTerminal() != true)
            {
                // Not awaited: a dependent may be waiting on this grain right now (its registration), and a lost wake-up is
                // caught by the recovery sweep of waiting tasks. The dependent reads our stored end, written above.
                foreach (var dependent in _state.Dependents)
                {
                    GrainFactory.GetGrain<ITaskGrain>(dependent).CheckDependencies(watch: false).Ignore();
                }
            }
            DeactivateOnIdle();
        }
        return _state;
    }

    /// <summary>
    /// Runs an operation from a fresh read of the row, again from a new read when its write lost the compare-and-set to
    /// another writer (the batch path claimed or finished the task meanwhile), so the operation applies to the truth.
    /// </summary>
    private async Task<T> FreshAsync<T>(Func<Task<T>> operation)
    {
        for (var attempt = 1; ; attempt++)
        {
            _loaded = false;
            try
            {
                return await operation();
            }
            catch (StaleStateException ex)
            {
                if (attempt >= MaxStaleRetries)
                {
                    throw new ConflictException(ErrorCodes.Conflict, ex.Message);
                }
            }
        }
    }

    /// <summary>As <see cref="FreshAsync{T}"/>, for an operation without an answer.</summary>
    private async Task FreshAsync(Func<Task> operation) => await FreshAsync(async () =>
    {
        await operation();
        return true;
    });

    /// <summary>A write of this grain lost its compare-and-set: the operation starts over (never leaves the grain).</summary>
    private sealed class StaleStateException(string message) : Exception(message);

    private async Task<TaskInfo> ExistingAsync() => await LoadAsync() ?? throw new NotFoundException($"Task {Id} does not exist.");

    private IQueuePartitionGrain Partition(TaskInfo state) => references.Partition(state.Queue, state.Partition);


    /// <summary>What callers see: an expired result is gone even before the sweeper clears the row.</summary>
    private static TaskInfo View(TaskInfo state, DateTimeOffset now) =>
        state.Result is not null && state.ResultExpired(now) ? state with { Result = null } : state;

    [LoggerMessage(Level = LogLevel.Debug, Message = "Task {TaskId}: report for attempt {Attempt} refused: {Reason}")]
    private partial void LogReportRefused(string taskId, int attempt, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskId}: lease of attempt {Attempt} held by {Owner} expired; the attempt counts as failed")]
    private partial void LogLeaseExpired(string taskId, int attempt, string? owner);
}
