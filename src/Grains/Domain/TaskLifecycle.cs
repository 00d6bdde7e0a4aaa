using OmniActors.Tasks;
using TaskStatus = OmniActors.Tasks.TaskStatus;

namespace OmniActors.Domain;

/// <summary>
/// The task state machine. Pure: no Orleans, no database, no clock. Every accepted command yields the new
/// state and the lifecycle events to publish; an illegal one is rejected with a reason, never ignored.
/// </summary>
public static class TaskLifecycle
{
    /// <summary>A new task from a validated spec: queued now, or scheduled when due later.</summary>
    public static Transition Create(string id, int partition, TaskSpec spec, TaskDefaults defaults, string specHash, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(defaults);
        var dueAt = DueAt(spec, now);
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
        };
        return Transition.To(state, TaskEventType.Enqueued);
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
            _ => throw new ArgumentOutOfRangeException(nameof(command), command, "Unknown command"),
        };
    }

    private static DateTimeOffset? DueAt(TaskSpec spec, DateTimeOffset now)
    {
        var due = spec.RunAt ?? (spec.Delay is { } delay ? now + delay : null);
        return due is { } d && d > now ? d : null;
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
            DueAt = null,
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
            DueAt = now + Backoff.Delay(s.Retry, s.Attempt, jitter),
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

    private static TaskInfo Finished(TaskInfo s, TaskStatus status, DateTimeOffset now) =>
        s with { Status = status, FinishedAt = now, UpdatedAt = now, LeaseOwner = null, LeaseExpiresAt = null, DueAt = null };

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
