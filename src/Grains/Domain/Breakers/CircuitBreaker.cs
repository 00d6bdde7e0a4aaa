using OmniActors.Breakers;

namespace OmniActors.Domain.Breakers;

/// <summary>
/// The circuit breaker's rules. Pure. Closed counts consecutive failures and opens at the threshold; open holds
/// every task until the cool-down ends; then the first task to ask becomes the half-open probe while the others
/// are held; the probe's success closes the breaker, its failure opens it for another cool-down.
/// </summary>
public static class CircuitBreaker
{
    /// <summary>A task asks to start: the new state and whether it may.</summary>
    public static (BreakerState State, BreakerPermit Permit) Acquire(BreakerState state, BreakerSettings settings, string taskId, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(settings);
        var allow = new BreakerPermit { Allowed = true };
        if (!settings.Enabled)
        {
            return (state, allow);
        }
        switch (state.Status)
        {
            case BreakerStatus.Open when state.OpenUntil > now:
                return (state, new BreakerPermit { RetryAt = state.OpenUntil });
            case BreakerStatus.Open:
                return (state with { Status = BreakerStatus.HalfOpen, ProbeTaskId = taskId, ProbeStartedAt = now, OpenUntil = null }, allow);
            case BreakerStatus.HalfOpen when state.ProbeTaskId == taskId:
                return (state, allow);
            case BreakerStatus.HalfOpen when state.ProbeStartedAt + settings.ProbeTimeout <= now:
                // The probe never reported (its silo died, say): let this task probe instead.
                return (state with { ProbeTaskId = taskId, ProbeStartedAt = now }, allow);
            case BreakerStatus.HalfOpen:
                return (state, new BreakerPermit { RetryAt = now + settings.HalfOpenRetry });
            default:
                return (state, allow);
        }
    }

    /// <summary>A started task reports how its attempt ended: the new state.</summary>
    public static BreakerState Report(BreakerState state, BreakerSettings settings, string taskId, BreakerOutcome outcome, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(settings);
        if (!settings.Enabled)
        {
            return state;
        }
        if (state.Status == BreakerStatus.HalfOpen)
        {
            if (state.ProbeTaskId != taskId)
            {
                return state; // A task started before the breaker opened: the probe alone decides.
            }
            return outcome switch
            {
                BreakerOutcome.Succeeded => new BreakerState { Status = BreakerStatus.Closed, TimesOpened = state.TimesOpened },
                BreakerOutcome.Failed => Open(state, settings, now),
                // The probe said nothing: the next task to ask probes at once.
                _ => state with { Status = BreakerStatus.Open, OpenUntil = now, ProbeTaskId = null, ProbeStartedAt = null },
            };
        }
        if (state.Status == BreakerStatus.Open)
        {
            return state; // Late reports of tasks started before it opened change nothing.
        }
        return outcome switch
        {
            BreakerOutcome.Succeeded when state.ConsecutiveFailures > 0 => state with { ConsecutiveFailures = 0 },
            BreakerOutcome.Failed when state.ConsecutiveFailures + 1 >= settings.FailureThreshold => Open(state, settings, now),
            BreakerOutcome.Failed => state with { ConsecutiveFailures = state.ConsecutiveFailures + 1 },
            _ => state,
        };
    }

    private static BreakerState Open(BreakerState state, BreakerSettings settings, DateTimeOffset now) => state with
    {
        Status = BreakerStatus.Open,
        ConsecutiveFailures = Math.Max(state.ConsecutiveFailures + 1, settings.FailureThreshold),
        OpenUntil = now + settings.CoolDown,
        ProbeTaskId = null,
        ProbeStartedAt = null,
        TimesOpened = state.TimesOpened + 1,
    };
}
