using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OmniActors.Actions;
using OmniActors.Domain.Schedules;
using OmniActors.Errors;
using OmniActors.Lifecycle;
using OmniActors.Storage;
using OmniActors.Tasks;
using Orleans.Storage;

namespace OmniActors.Schedules;

/// <summary>
/// One schedule. Thin: <see cref="ScheduleTimeline"/> knows the fire times, <see cref="FirePlanner"/> decides what is
/// due and what was missed, <see cref="OverlapRules"/> what a fire does about a still-running predecessor. This grain
/// keeps the next fire time in its persisted state, fires it on time with a grain timer and keeps a one-minute reminder
/// as the safety net that reactivates it after a crash and catches up. Each fire submits a task whose idempotency key
/// is derived from name and fire time, and records the fire only after the submission: a fire repeated for any reason
/// (a crash between the two, a reminder and a timer, a second activation) finds its task and makes no second one.
/// </summary>
internal sealed partial class ScheduleGrain(
    [PersistentState("schedule", OmniStorage.GrainStorageName)] IPersistentState<ScheduleState> state,
    ActionRegistry actions,
    IOptions<TaskOptions> taskOptions,
    TimeProvider time,
    ILifecyclePublisher lifecycle,
    ILogger<ScheduleGrain> logger) : Grain, IScheduleGrain, IRemindable
{
    // Lifecycle events of changes not yet published; published (event log, then streams) once the state is written.
    private readonly List<LifecycleEvent> _unpublished = [];

    private const string SafetyNet = "schedule";
    private static readonly TimeSpan ReminderPeriod = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan RetryAfterError = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan BufferPoll = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan LongestTimer = TimeSpan.FromHours(1);

    private ScheduleTimeline? _timeline;
    private IGrainTimer? _timer;
    private DateTimeOffset? _retryAt;
    private bool? _reminderRegistered;

    private string Name => this.GetPrimaryKeyString();
    private ScheduleState S => state.State;
    private ScheduleTimeline Timeline => _timeline ??= ScheduleTimeline.For(S.Spec!, S.Anchor);
    private bool Armed => S.Spec is not null && !S.Paused && (S.NextFireAt is not null || S.BufferedFireAt is not null);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Catch up at once: this activation may follow a crash that lost the previous one's timer.
        ArmTimer();
        return Task.CompletedTask;
    }

    public async Task<ScheduleUpsertResult> Upsert(ScheduleSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var now = time.GetUtcNow();
        if (ScheduleValidator.Validate(Name, spec, taskOptions.Value.Limits, actions.Contains, now) is { } invalid)
        {
            throw invalid;
        }
        var created = S.Spec is null;
        if (created)
        {
            state.State = new ScheduleState { CreatedAt = now };
        }
        if (created || !ScheduleTimeline.SameTimetable(S.Spec!, spec))
        {
            S.Anchor = ScheduleTimeline.InitialAnchor(spec, now);
            _timeline = ScheduleTimeline.For(spec, S.Anchor);
            S.NextFireAt = spec.At is { } at ? at.ToUniversalTime() : _timeline.AtOrAfter(now);
            S.BufferedFireAt = null;
        }
        S.Spec = spec;
        S.UpdatedAt = now;
        _timeline = null;
        // Indexed first: a crash in between leaves a listed name without a schedule (skipped when listing), never a hidden schedule.
        await GrainFactory.GetGrain<IScheduleIndexGrain>(0).Add(Name);
        await state.WriteStateAsync();
        await SyncReminderAsync();
        ArmTimer();
        return new ScheduleUpsertResult { Schedule = View(), Created = created };
    }

    public Task<ScheduleInfo?> Get() => Task.FromResult(S.Spec is null ? null : View());

    public async Task<ScheduleInfo> Pause()
    {
        Existing();
        if (!S.Paused)
        {
            S.Paused = true;
            S.UpdatedAt = time.GetUtcNow();
            await state.WriteStateAsync();
            LogPaused(Name);
            await PublishAsync(Note("paused", null));
        }
        await SyncReminderAsync();
        ArmTimer();
        return View();
    }

    public async Task<ScheduleInfo> Resume()
    {
        Existing();
        if (S.Paused)
        {
            S.Paused = false;
            S.UpdatedAt = time.GetUtcNow();
            await state.WriteStateAsync();
            LogResumed(Name);
            await PublishAsync(Note("resumed", null));
            // Every fire that came due while paused is a misfire: no grace.
            await RunDueAsync(TimeSpan.Zero);
        }
        await SyncReminderAsync();
        ArmTimer();
        return View();
    }

    public async Task<ScheduleFire> Trigger(DateTimeOffset? fireTime)
    {
        Existing();
        var fire = (fireTime ?? time.GetUtcNow()).ToUniversalTime();
        var entry = await FireAsync(fire, manual: true);
        await state.WriteStateAsync();
        await PublishAsync();
        return entry;
    }

    public async Task Delete()
    {
        Existing();
        var deleted = Note("deleted", null);
        await state.ClearStateAsync();
        state.State = new ScheduleState();
        _timeline = null;
        ArmTimer();
        await SyncReminderAsync();
        await GrainFactory.GetGrain<IScheduleIndexGrain>(0).Remove(Name);
        LogDeleted(Name);
        await PublishAsync(deleted);
        DeactivateOnIdle();
    }

    public Task<IReadOnlyList<ScheduleFire>> GetHistory(int limit)
    {
        Existing();
        return Task.FromResult(ScheduleHistory.Newest(S.History, limit));
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (!Armed)
        {
            await SyncReminderAsync();
            return;
        }
        await OnTimerAsync(CancellationToken.None);
    }

    private async Task OnTimerAsync(CancellationToken cancellationToken)
    {
        await RunDueAsync(FirePlanner.MisfireGrace);
        try
        {
            await SyncReminderAsync();
        }
        catch (Exception ex)
        {
            LogReminderFailed(ex, Name);
        }
        ArmTimer();
    }

    /// <summary>
    /// Fires what is due (a buffered fire whose predecessor ended, then the timetable per the misfire policy) and
    /// persists the outcome. A failure (storage, a busy cluster) leaves the unfired times due and retries shortly.
    /// </summary>
    private async Task RunDueAsync(TimeSpan grace)
    {
        if (S.Spec is not { } spec || S.Paused)
        {
            return;
        }
        var now = time.GetUtcNow();
        var changed = false;
        try
        {
            if (S.BufferedFireAt is { } buffered && !await PreviousActiveAsync())
            {
                S.BufferedFireAt = null;
                await FireAsync(buffered, manual: false);
                changed = true;
            }
            var plan = FirePlanner.Plan(Timeline, S.NextFireAt, now, spec.Misfire, spec.MaxCatchUp, grace);
            if (!plan.IsEmpty || plan.Next != S.NextFireAt)
            {
                changed = true;
                if (plan.Missed > 0)
                {
                    LogMissed(Name, plan.Missed, spec.Misfire);
                    Record(new ScheduleFire
                    {
                        FireTime = plan.EarliestMissed!.Value,
                        Outcome = FireOutcome.Missed,
                        Count = plan.Missed,
                        RecordedAt = now,
                        Detail = plan.Missed >= FirePlanner.CountLimit ? $"at least {plan.Missed} fires missed" : null,
                    });
                }
                foreach (var fire in plan.Fires)
                {
                    // Progress per fire, so a failure part-way resumes at the first fire not done.
                    S.NextFireAt = fire;
                    await FireScheduledAsync(spec, fire);
                }
                S.NextFireAt = plan.Next;
            }
            _retryAt = null;
        }
        catch (Exception ex)
        {
            LogFireFailed(ex, Name);
            _retryAt = now + RetryAfterError;
        }
        if (changed)
        {
            try
            {
                await state.WriteStateAsync();
                await PublishAsync();
            }
            catch (InconsistentStateException ex)
            {
                // Another activation wrote meanwhile; this one is stale. Its fires were idempotent, so nothing ran twice.
                LogStale(ex, Name);
                DeactivateOnIdle();
            }
            catch (Exception ex)
            {
                LogFireFailed(ex, Name);
                _retryAt = now + RetryAfterError;
            }
        }
    }

    /// <summary>A timetable fire, under the overlap policy.</summary>
    private async Task FireScheduledAsync(ScheduleSpec spec, DateTimeOffset fire)
    {
        var active = spec.Overlap != OverlapPolicy.Allow && await PreviousActiveAsync();
        switch (OverlapRules.Decide(spec.Overlap, active, S.BufferedFireAt is not null))
        {
            case OverlapDecision.Enqueue:
                await FireAsync(fire, manual: false);
                break;
            case OverlapDecision.Buffer:
                S.BufferedFireAt = fire;
                Record(new ScheduleFire { FireTime = fire, Outcome = FireOutcome.Buffered, RecordedAt = time.GetUtcNow() });
                break;
            default:
                Record(new ScheduleFire { FireTime = fire, Outcome = FireOutcome.SkippedOverlap, TaskId = S.LastTaskId, RecordedAt = time.GetUtcNow() });
                break;
        }
    }

    /// <summary>
    /// Submits the task of the fire at <paramref name="fire"/> and records it. A refused task is recorded as failed for a
    /// timetable fire and thrown to the caller of a manual one; any other error propagates with nothing recorded.
    /// </summary>
    private async Task<ScheduleFire> FireAsync(DateTimeOffset fire, bool manual)
    {
        var key = ScheduleKeys.IdempotencyKey(Name, fire);
        ScheduleFire entry;
        try
        {
            var result = await GrainFactory.GetGrain<ITaskIntakeGrain>(0).Submit(S.Spec!.Template with { IdempotencyKey = key });
            entry = new ScheduleFire
            {
                FireTime = fire,
                Outcome = result.Created ? FireOutcome.Enqueued : FireOutcome.AlreadyEnqueued,
                TaskId = result.Task.Id,
                Manual = manual,
                RecordedAt = time.GetUtcNow(),
            };
        }
        catch (ConflictException ex) when (ex.Code == ErrorCodes.IdempotencyConflict)
        {
            // The fire's task exists, submitted before the template changed: it is still this fire's one task.
            entry = new ScheduleFire
            {
                FireTime = fire,
                Outcome = FireOutcome.AlreadyEnqueued,
                TaskId = ScheduleKeys.TaskId(Name, fire),
                Manual = manual,
                RecordedAt = time.GetUtcNow(),
                Detail = "enqueued before the template changed",
            };
        }
        catch (TaskValidationException ex) when (!manual)
        {
            LogRefused(Name, fire, ex.Message);
            entry = new ScheduleFire { FireTime = fire, Outcome = FireOutcome.Failed, Manual = manual, RecordedAt = time.GetUtcNow(), Detail = ex.Message };
        }
        if (entry.TaskId is not null)
        {
            S.LastTaskId = entry.TaskId;
            S.LastFireAt = fire;
            if (entry.Outcome == FireOutcome.Enqueued)
            {
                S.FireCount++;
                LogFired(Name, fire, entry.TaskId);
            }
        }
        Record(entry);
        return entry;
    }

    /// <summary>True while the last enqueued task has not ended.</summary>
    private async Task<bool> PreviousActiveAsync()
    {
        if (S.LastTaskId is not { } id)
        {
            return false;
        }
        var task = await GrainFactory.GetGrain<ITaskGrain>(id).Get();
        return task is not null && !task.Status.IsTerminal();
    }

    private void Record(ScheduleFire entry)
    {
        ScheduleHistory.Append(S.History, entry);
        _unpublished.Add(Note(entry.Outcome switch
        {
            FireOutcome.Enqueued => "fired",
            FireOutcome.AlreadyEnqueued => "already_enqueued",
            FireOutcome.SkippedOverlap => "skipped_overlap",
            FireOutcome.Buffered => "buffered",
            FireOutcome.Missed => "missed",
            _ => "fire_failed",
        }, entry.TaskId is { } task ? $"task {task}" + (entry.Detail is { } d ? $": {d}" : "") : entry.Detail, entry.RecordedAt));
    }

    /// <summary>A lifecycle event of this schedule.</summary>
    private LifecycleEvent Note(string type, string? detail, DateTimeOffset? at = null) => new()
    {
        Kind = LifecycleKind.Schedule,
        Id = Name,
        Queue = S.Spec?.Template.Queue ?? Domain.TaskDefaults.DefaultQueue,
        Type = type,
        At = at ?? time.GetUtcNow(),
        Detail = detail,
        Action = S.Spec?.Template.Action,
    };

    /// <summary>Publishes what was recorded (and <paramref name="extra"/>); a failure costs the notification and its log row, never the schedule's state.</summary>
    private async Task PublishAsync(LifecycleEvent? extra = null)
    {
        if (extra is not null)
        {
            _unpublished.Add(extra);
        }
        if (_unpublished.Count == 0)
        {
            return;
        }
        var events = _unpublished.ToList();
        _unpublished.Clear();
        try
        {
            await lifecycle.PublishAsync(events);
        }
        catch (OmniException ex)
        {
            LogPublishFailed(ex, Name, events.Count);
        }
    }

    /// <summary>One timer for the next thing to do: the next fire, a buffered fire's poll, or a retry after an error.</summary>
    private void ArmTimer()
    {
        var now = time.GetUtcNow();
        DateTimeOffset? at = null;
        if (Armed)
        {
            at = S.NextFireAt;
            if (S.BufferedFireAt is not null && (at is null || at > now + BufferPoll))
            {
                at = now + BufferPoll;
            }
            if (_retryAt is { } retry && at < retry)
            {
                at = retry;
            }
        }
        if (at is null)
        {
            _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            return;
        }
        var due = at.Value - now;
        due = due < TimeSpan.Zero ? TimeSpan.Zero : due > LongestTimer ? LongestTimer : due;
        if (_timer is null)
        {
            _timer = this.RegisterGrainTimer(OnTimerAsync, new GrainTimerCreationOptions(due, Timeout.InfiniteTimeSpan));
        }
        else
        {
            _timer.Change(due, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>The reminder exists exactly while the schedule has something left to fire.</summary>
    private async Task SyncReminderAsync()
    {
        var wanted = Armed;
        if (wanted && _reminderRegistered != true)
        {
            await this.RegisterOrUpdateReminder(SafetyNet, ReminderPeriod, ReminderPeriod);
            _reminderRegistered = true;
        }
        else if (!wanted && _reminderRegistered != false)
        {
            if (await this.GetReminder(SafetyNet) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }
            _reminderRegistered = false;
        }
    }

    private void Existing()
    {
        if (S.Spec is null)
        {
            throw new NotFoundException($"Schedule {Name} does not exist.");
        }
    }

    private ScheduleInfo View() => new()
    {
        Name = Name,
        Spec = S.Spec!,
        Kind = Timeline.Kind,
        Paused = S.Paused,
        Completed = S.NextFireAt is null && S.BufferedFireAt is null,
        NextFireAt = S.Paused ? null : S.NextFireAt,
        LastFireAt = S.LastFireAt,
        LastTaskId = S.LastTaskId,
        BufferedFireAt = S.BufferedFireAt,
        FireCount = S.FireCount,
        CreatedAt = S.CreatedAt,
        UpdatedAt = S.UpdatedAt,
    };
}
