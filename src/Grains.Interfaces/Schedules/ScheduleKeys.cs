using System.Globalization;
using OmniActors.Tasks;

namespace OmniActors.Schedules;

/// <summary>
/// How a fire names its task. The idempotency key (and so the task id) is a function of schedule name and fire time
/// alone, so however often one fire is attempted (two timers, a reminder, a restart, a repeated trigger) it is one task.
/// </summary>
public static class ScheduleKeys
{
    /// <summary>The idempotency key of the task of <paramref name="schedule"/>'s fire at <paramref name="fireTime"/>.</summary>
    public static string IdempotencyKey(string schedule, DateTimeOffset fireTime) =>
        string.Create(CultureInfo.InvariantCulture, $"schedule:{schedule}:{fireTime.UtcDateTime:O}");

    /// <summary>The id of the task of <paramref name="schedule"/>'s fire at <paramref name="fireTime"/>.</summary>
    public static string TaskId(string schedule, DateTimeOffset fireTime) => TaskIds.FromIdempotencyKey(IdempotencyKey(schedule, fireTime));
}
