using OmniActors.Tasks;
using TaskStatus = OmniActors.Tasks.TaskStatus;

namespace OmniActors.Domain;

/// <summary>
/// The task state machine. Pure: no Orleans, no database, no clock. Every accepted command yields the new
/// state and the lifecycle events to publish; an illegal one is rejected with a reason, never ignored.
/// </summary>
public static class TaskLifecycle
{
    /// <summary>Error kind of a task failed because a dependency it needed ended without success.</summary>
    public const string DependencyFailedType = "DependencyFailed";

    /// <summary>
    /// A new task from a validated spec: waiting on its dependencies, else awaiting approval, else queued now or
    /// scheduled when due later. <paramref name="specHash"/> is the spec's fingerprint, null for a task without an
    /// idempotency key (nothing can replay it, so nothing compares it).
    /// </summary>
    public static Transition Create(string id, int partition, TaskSpec spec, TaskDefaults defaults, string? specHash, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(defaults);
        // The table keeps milliseconds: the state answered to the caller and held in memory is the one read back later.
        now = now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMillisecond));
        var dueAt = DueAt(spec, now);
        var dependsOn = spec.DependsOn ?? [];
        var state = new TaskInfo
        {
            Id = id,
            Queue = spec.Queue ?? TaskDefaults.DefaultQueue,
            Partition = partition,
            Action = spec.Action,
            Payload = spec.Payload ?? "null",
            Priority = spec.Priority,
            Status = dueAt is null ? TaskStatus.Queued : TaskStatus.Scheduled,
            Retry = spec.Retry ?? defaults.Retry,
            Timeout = spec.Timeout ?? defaults.Timeout,
            ResultTtl = spec.ResultTtl ?? defaults.ResultTtl,
            CreatedAt = now,
            UpdatedAt = now,
            DueAt = dueAt,
            IdempotencyKey = spec.IdempotencyKey,
            SpecHash = specHash,
            DependsOn = dependsOn,
            RunWhen = spec.RunWhen,
            OnDependencyFailure = spec.OnDependencyFailure,
            WorkflowId = spec.WorkflowId,
            WorkflowKey = spec.WorkflowKey,
            RequiresApproval = spec.RequiresApproval,
            TraceParent = spec.TraceParent,
            TraceState = spec.TraceState,
        };
        if (dependsOn.Count > 0)
        {
            return Transition.To(state with { Status = TaskStatus.WaitingOnDependencies }, TaskEventType.WaitingOnDependencies);
        }
        return spec.RequiresApproval
            ? Transition.To(state with { Status = TaskStatus.AwaitingApproval }, TaskEventType.AwaitingApproval)
            : Transition.To(state, TaskEventType.Enqueued);
    }

    /// <summary>The command an attempt's reported outcome stands for; <paramref name="jitterSample"/> in [0, 1) picks a retry's backoff.</summary>
    public static TaskCommand CommandFor(AttemptOutcome outcome, double jitterSample)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        return outcome.Kind switch
        {
            AttemptOutcomeKind.Succeeded => new TaskCommand.Complete(outcome.Attempt, outcome.Result),
            AttemptOutcomeKind.Interrupted => new TaskCommand.Interrupt(outcome.Attempt),
            _ => new TaskCommand.Fail(outcome.Attempt, outcome.ErrorType ?? "Cancelled", outcome.ErrorMessage ?? "The attempt was cancelled.",
                outcome.NonRetryable, jitterSample),
        };
    }

    /// <summary>Applies <paramref name="command"/> to <paramref name="state"/> at <paramref name="now"/>.</summary>
    public static Transition Apply(TaskInfo state, TaskCommand command, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(state);
        return command switch
        {
            TaskCommand.Start c => Start(state, c, now),
            TaskCommand.Heartbeat c => Heartbeat(state, c, now),
            TaskCommand.Complete c => Complete(state, c, now),
            TaskCommand.Fail c => Fail(state, c, now),
            TaskCommand.ExpireLease c => ExpireLease(state, c, now),
            TaskCommand.Interrupt c => Interrupt(state, c, now),
            TaskCommand.Cancel c => Cancel(state, c, now),
            TaskCommand.Requeue => Requeue(state, now),
            TaskCommand.ReleaseDependencies => ReleaseDependencies(state, now),
            TaskCommand.AbandonDependencies c => AbandonDependencies(state, c, now),
            TaskCommand.Approve c => Approve(state, c, now),
            TaskCommand.Reject c => Reject(state, c, now),
            TaskCommand.TakeOver c => TakeOver(state, c, now),
            _ => throw new ArgumentOutOfRangeException(nameof(command), command, "Unknown command"),
        };
    }

    private static DateTimeOffset? DueAt(TaskSpec spec, DateTimeOffset now)
    {
        var due = spec.RunAt ?? (spec.Delay is { } delay ? now + delay : null);
        return due is { } d && d > now ? WholeMilliseconds(d) : null;
    }

    /// <summary>
    /// A due time rounded up to the millisecond, the table's resolution: the row read back and the state held in memory
    /// then agree, and an attempt started at the due time is never stored as starting before it.
    /// </summary>
    private static DateTimeOffset WholeMilliseconds(DateTimeOffset at)
    {
        var rest = at.Ticks % TimeSpan.TicksPerMillisecond;
        return rest == 0 ? at : at.AddTicks(TimeSpan.TicksPerMillisecond - rest);
    }

    private static Transition Start(TaskInfo s, TaskCommand.Start c, DateTimeOffset now)
    {
        var runnable = s.Status == TaskStatus.Queued
            || (s.Status is TaskStatus.Scheduled or TaskStatus.Retrying && (s.DueAt is null || s.DueAt <= now));
        if (!runnable)
        {
            return Transition.Reject(s.Status is TaskStatus.Scheduled or TaskStatus.Retrying
                ? $"Task {s.Id} is not due until {s.DueAt:O}."
                : $"Task {s.Id} cannot start from {s.Status}.");
        }
        return Transition.To(s with
        {
            Status = TaskStatus.Running,
            Attempt = s.Attempt + 1,
            StartedAt = now,
            UpdatedAt = now,
            // Kept: when the attempt was due stays readable (and measures how late it started); nothing reads it to schedule a running task.
            LeaseOwner = c.Owner,
            LeaseExpiresAt = now + c.LeaseDuration,
        }, TaskEventType.Executing);
    }

    private static Transition Heartbeat(TaskInfo s, TaskCommand.Heartbeat c, DateTimeOffset now) =>
        CurrentAttempt(s, c.Attempt) ?? Transition.To(s with { LeaseExpiresAt = now + c.LeaseDuration, UpdatedAt = now });

    private static Transition Complete(TaskInfo s, TaskCommand.Complete c, DateTimeOffset now) =>
        CurrentAttempt(s, c.Attempt) ?? Transition.To(Finished(s, TaskStatus.Succeeded, now) with
        {
            Result = c.Result,
            ResultExpiresAt = now + s.ResultTtl,
        }, TaskEventType.Complete);

    private static Transition Fail(TaskInfo s, TaskCommand.Fail c, DateTimeOffset now)
    {
        if (CurrentAttempt(s, c.Attempt) is { } rejected)
        {
            return rejected;
        }
        var error = new TaskError
        {
            Type = c.ErrorType,
            Message = c.Message,
            Attempt = s.Attempt,
            At = now,
            Retryable = !c.NonRetryable && !IsNonRetryable(s.Retry, c.ErrorType),
        };
        return FailAttempt(s, error, c.JitterSample, now);
    }

    private static Transition ExpireLease(TaskInfo s, TaskCommand.ExpireLease c, DateTimeOffset now)
    {
        if (s.Status != TaskStatus.Running)
        {
            return Transition.Reject($"Task {s.Id} is {s.Status}, it holds no lease.");
        }
        var error = new TaskError
        {
            Type = TaskError.LeaseExpiredType,
            Message = $"The lease held by {s.LeaseOwner} expired at {s.LeaseExpiresAt:O} without a heartbeat.",
            Attempt = s.Attempt,
            At = now,
        };
        return FailAttempt(s, error, c.JitterSample, now);
    }

    private static Transition FailAttempt(TaskInfo s, TaskError error, double jitter, DateTimeOffset now)
    {
        var cleared = s with { LastError = error, LeaseOwner = null, LeaseExpiresAt = null, UpdatedAt = now };
        if (!error.Retryable || s.Attempt >= s.Retry.MaxAttempts)
        {
            return Transition.To(cleared with { Status = TaskStatus.DeadLettered, FinishedAt = now },
                TaskEventType.Error, TaskEventType.DeadLettered);
        }
        return Transition.To(cleared with
        {
            Status = TaskStatus.Retrying,
            DueAt = WholeMilliseconds(now + Backoff.Delay(s.Retry, s.Attempt, jitter)),
        }, TaskEventType.Error, TaskEventType.Retry);
    }

    private static Transition Interrupt(TaskInfo s, TaskCommand.Interrupt c, DateTimeOffset now) =>
        CurrentAttempt(s, c.Attempt) ?? Transition.To(s with
        {
            Status = TaskStatus.Queued,
            Attempt = s.Attempt - 1,
            LeaseOwner = null,
            LeaseExpiresAt = null,
            UpdatedAt = now,
        }, TaskEventType.Enqueued);

    private static Transition Cancel(TaskInfo s, TaskCommand.Cancel c, DateTimeOffset now)
    {
        if (s.Status.IsTerminal())
        {
            return Transition.Reject($"Task {s.Id} is already {s.Status}.");
        }
        return Transition.To(Finished(s, TaskStatus.Cancelled, now) with { CancelReason = c.Reason }, TaskEventType.Cancelled);
    }

    private static Transition Requeue(TaskInfo s, DateTimeOffset now)
    {
        if (s.Status != TaskStatus.DeadLettered)
        {
            return Transition.Reject($"Only dead-lettered tasks can be requeued; task {s.Id} is {s.Status}.");
        }
        return Transition.To(s with
        {
            Status = TaskStatus.Queued,
            Attempt = 0,
            DueAt = null,
            FinishedAt = null,
            UpdatedAt = now,
        }, TaskEventType.Enqueued);
    }

    private static Transition ReleaseDependencies(TaskInfo s, DateTimeOffset now)
    {
        if (s.Status != TaskStatus.WaitingOnDependencies)
        {
            return Transition.Reject($"Task {s.Id} is {s.Status}, not waiting on dependencies.");
        }
        if (s.RequiresApproval)
        {
            return Transition.To(s with { Status = TaskStatus.AwaitingApproval, UpdatedAt = now }, TaskEventType.AwaitingApproval);
        }
        return Transition.To(Runnable(s, now), TaskEventType.Enqueued);
    }

    private static Transition AbandonDependencies(TaskInfo s, TaskCommand.AbandonDependencies c, DateTimeOffset now)
    {
        if (s.Status != TaskStatus.WaitingOnDependencies)
        {
            return Transition.Reject($"Task {s.Id} is {s.Status}, not waiting on dependencies.");
        }
        if (c.Skip)
        {
            return Transition.To(Finished(s, TaskStatus.Cancelled, now) with { CancelReason = c.Detail }, TaskEventType.Cancelled);
        }
        if (s.OnDependencyFailure == DependencyFailurePolicy.Cancel)
        {
            return Transition.To(Finished(s, TaskStatus.Cancelled, now) with { CancelReason = c.Detail },
                TaskEventType.DependencyFailed, TaskEventType.Cancelled);
        }
        var error = new TaskError { Type = DependencyFailedType, Message = c.Detail, Attempt = s.Attempt, At = now, Retryable = false };
        return Transition.To(Finished(s, TaskStatus.DeadLettered, now) with { LastError = error },
            TaskEventType.DependencyFailed, TaskEventType.DeadLettered);
    }

    private static Transition Approve(TaskInfo s, TaskCommand.Approve c, DateTimeOffset now)
    {
        if (NotAwaitingApproval(s) is { } rejected)
        {
            return rejected;
        }
        var decision = new ApprovalDecision
        {
            Action = c.NewPayload is null ? ApprovalAction.Accept : ApprovalAction.Modify,
            By = c.By,
            At = now,
            Comment = c.Comment,
        };
        var approved = s with { Payload = c.NewPayload ?? s.Payload, Approvals = [.. s.Approvals, decision] };
        return Transition.To(Runnable(approved, now), TaskEventType.Approved, TaskEventType.Enqueued);
    }

    private static Transition Reject(TaskInfo s, TaskCommand.Reject c, DateTimeOffset now)
    {
        if (NotAwaitingApproval(s) is { } rejected)
        {
            return rejected;
        }
        var decision = new ApprovalDecision { Action = ApprovalAction.Reject, By = c.By, At = now, Comment = c.Reason };
        return Transition.To(Finished(s, TaskStatus.Rejected, now) with { CancelReason = c.Reason, Approvals = [.. s.Approvals, decision] },
            TaskEventType.Rejected);
    }

    private static Transition TakeOver(TaskInfo s, TaskCommand.TakeOver c, DateTimeOffset now)
    {
        if (NotAwaitingApproval(s) is { } rejected)
        {
            return rejected;
        }
        var decision = new ApprovalDecision { Action = ApprovalAction.TakeOver, By = c.By, At = now, Comment = c.Comment };
        return Transition.To(Finished(s, TaskStatus.Succeeded, now) with
        {
            Result = c.Result,
            ResultExpiresAt = now + s.ResultTtl,
            Approvals = [.. s.Approvals, decision],
        }, TaskEventType.TakenOver, TaskEventType.Complete);
    }

    private static Transition? NotAwaitingApproval(TaskInfo s) => s.Status == TaskStatus.AwaitingApproval ? null
        : Transition.Reject($"Task {s.Id} is {s.Status}, not awaiting approval.");

    /// <summary>Ready for its queue: queued, or scheduled while its own due time lies ahead.</summary>
    private static TaskInfo Runnable(TaskInfo s, DateTimeOffset now) => s.DueAt is { } due && due > now
        ? s with { Status = TaskStatus.Scheduled, UpdatedAt = now }
        : s with { Status = TaskStatus.Queued, DueAt = null, UpdatedAt = now };

    /// <summary>Ended: a task that ran keeps the due time of its last attempt; one that never ran has none left.</summary>
    private static TaskInfo Finished(TaskInfo s, TaskStatus status, DateTimeOffset now) =>
        s with { Status = status, FinishedAt = now, UpdatedAt = now, LeaseOwner = null, LeaseExpiresAt = null, DueAt = s.StartedAt is null ? null : s.DueAt };

    /// <summary>Rejects reports about an attempt that is not the one running now (late, duplicate or for a finished task).</summary>
    private static Transition? CurrentAttempt(TaskInfo s, int attempt)
    {
        if (s.Status != TaskStatus.Running)
        {
            return Transition.Reject($"Task {s.Id} is {s.Status}, not running; the report for attempt {attempt} is refused.");
        }
        return attempt == s.Attempt ? null
            : Transition.Reject($"Task {s.Id} is running attempt {s.Attempt}; the report for attempt {attempt} is refused.");
    }

    private static bool IsNonRetryable(RetryPolicy policy, string errorType)
    {
        var shortName = errorType[(errorType.LastIndexOf('.') + 1)..];
        return policy.NonRetryableErrors.Any(n =>
            string.Equals(n, errorType, StringComparison.Ordinal) || string.Equals(n, shortName, StringComparison.Ordinal));
    }
}
