using OmniActors.Schedules;

namespace OmniActors.Domain.Schedules;

/// <summary>
/// What a schedule fires when it looks at its timetable: the due fire times from the persisted next fire time up to
/// now, split by the misfire policy into fires and misses.
/// </summary>
/// <param name="Fires">Fire times to fire now, ascending.</param>
/// <param name="Missed">Due fire times not fired (at most <see cref="FirePlanner.CountLimit"/> are counted).</param>
/// <param name="EarliestMissed">The earliest missed time counted.</param>
/// <param name="Next">The new next fire time (after every due one); null when the timetable has ended.</param>
public sealed record FirePlan(IReadOnlyList<DateTimeOffset> Fires, int Missed, DateTimeOffset? EarliestMissed, DateTimeOffset? Next)
{
    /// <summary>True when nothing is due.</summary>
    public bool IsEmpty => Fires.Count == 0 && Missed == 0;
}

/// <summary>Decides which due fires run (pure: the time is passed in).</summary>
public static class FirePlanner
{
    /// <summary>
    /// How late the latest due fire may be and still count as on time (a busy silo, a timer lost with its activation and
    /// caught up by the minute reminder). Older fires, and every fire that came due while paused, are misfires.
    /// </summary>
    public static readonly TimeSpan MisfireGrace = TimeSpan.FromMinutes(1);

    /// <summary>Most missed fires counted one by one (an every-second cron down for a day is reported as at least this many).</summary>
    public const int CountLimit = 10_000;

    /// <summary>
    /// The plan at <paramref name="now"/> for a schedule whose earliest unhandled fire time is <paramref name="next"/>.
    /// Due fires are those in [next, now]. The latest is on time if at most <paramref name="grace"/> old; earlier ones
    /// are always missed. <see cref="MisfirePolicy.SkipToNext"/> fires only an on-time latest fire;
    /// <see cref="MisfirePolicy.FireOnceNow"/> fires the latest whatever its age; <see cref="MisfirePolicy.FireAll"/>
    /// fires the latest <paramref name="maxCatchUp"/> of them.
    /// </summary>
    public static FirePlan Plan(ScheduleTimeline timeline, DateTimeOffset? next, DateTimeOffset now, MisfirePolicy policy, int maxCatchUp, TimeSpan grace)
    {
        ArgumentNullException.ThrowIfNull(timeline);
        if (next is not { } from || from > now)
        {
            return new FirePlan([], 0, null, next);
        }
        if (timeline.AtOrBefore(now) is not { } latest || latest < from)
        {
            // The persisted time is not on this timetable (it cannot happen, but a stored value must never stall a schedule).
            return new FirePlan([], 0, null, timeline.After(now));
        }
        var onTime = now - latest <= grace;
        var take = policy switch
        {
            MisfirePolicy.SkipToNext => onTime ? 1 : 0,
            MisfirePolicy.FireAll => Math.Max(1, maxCatchUp),
            _ => 1,
        };
        var fires = new List<DateTimeOffset>();
        DateTimeOffset? t = latest;
        while (t is { } fire && fire >= from && fires.Count < take)
        {
            fires.Add(fire);
            t = timeline.Before(fire);
        }
        fires.Reverse();
        var missed = 0;
        DateTimeOffset? earliest = null;
        while (t is { } miss && miss >= from && missed < CountLimit)
        {
            missed++;
            earliest = miss;
            t = timeline.Before(miss);
        }
        return new FirePlan(fires, missed, earliest, timeline.After(latest));
    }
}
