using Cronos;
using OmniActors.Schedules;

namespace OmniActors.Domain.Schedules;

/// <summary>
/// The fire times of a schedule, as UTC instants. Pure: it knows no clock, every question names its instant.
/// Cron times are computed by Cronos in the schedule's time zone, which settles daylight-saving changes: a time in
/// a spring-forward gap fires once at the moment the clock jumps, a time in a fall-back overlap fires once (at its
/// first occurrence) unless the expression steps through the hour (then the repeated hour fires again).
/// </summary>
public abstract class ScheduleTimeline
{
    /// <summary>Cron, interval or one-shot.</summary>
    public abstract ScheduleKind Kind { get; }

    /// <summary>The first fire time strictly after <paramref name="instant"/>, or null if none is left.</summary>
    public abstract DateTimeOffset? After(DateTimeOffset instant);

    /// <summary>The latest fire time at or before <paramref name="instant"/>, or null if none.</summary>
    public abstract DateTimeOffset? AtOrBefore(DateTimeOffset instant);

    /// <summary>The latest fire time strictly before <paramref name="instant"/>, or null if none.</summary>
    public virtual DateTimeOffset? Before(DateTimeOffset instant) =>
        instant == DateTimeOffset.MinValue ? null : AtOrBefore(instant.AddTicks(-1));

    /// <summary>The first fire time at or after <paramref name="instant"/>, or null if none is left.</summary>
    public DateTimeOffset? AtOrAfter(DateTimeOffset instant) =>
        instant == DateTimeOffset.MinValue ? After(instant) : After(instant.AddTicks(-1));

    /// <summary>Fire times in [<paramref name="from"/>, <paramref name="to"/>], ascending, at most <paramref name="max"/> of them.</summary>
    public IReadOnlyList<DateTimeOffset> Between(DateTimeOffset from, DateTimeOffset to, int max)
    {
        var times = new List<DateTimeOffset>();
        for (var t = AtOrAfter(from); t is { } next && next <= to && times.Count < max; t = After(next))
        {
            times.Add(next);
        }
        return times;
    }

    /// <summary>The kind a spec asks for: null unless exactly one of cron, interval and one-shot time is set.</summary>
    public static ScheduleKind? KindOf(ScheduleSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var set = (spec.Cron is not null ? 1 : 0) + (spec.Interval is not null ? 1 : 0) + (spec.At is not null ? 1 : 0);
        return set != 1 ? null
            : spec.Cron is not null ? ScheduleKind.Cron
            : spec.Interval is not null ? ScheduleKind.Interval
            : ScheduleKind.Once;
    }

    /// <summary>True when two specs define the same fire times (a template-only update keeps the timetable running).</summary>
    public static bool SameTimetable(ScheduleSpec a, ScheduleSpec b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return a.Cron == b.Cron && a.TimeZone == b.TimeZone && a.Interval == b.Interval && a.StartAt == b.StartAt && a.At == b.At;
    }

    /// <summary>
    /// The first fire of a new interval timetable: <see cref="ScheduleSpec.StartAt"/>, or one interval after
    /// <paramref name="now"/>. Later fires are whole intervals after it. Null for other kinds.
    /// </summary>
    public static DateTimeOffset? InitialAnchor(ScheduleSpec spec, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Interval is { } interval ? (spec.StartAt ?? now + interval).ToUniversalTime() : null;
    }

    /// <summary>
    /// The timeline of a spec that <see cref="ScheduleValidator"/> accepted; <paramref name="anchor"/> is the interval's
    /// first fire (see <see cref="InitialAnchor"/>). Throws <see cref="ArgumentException"/> for a spec it cannot read.
    /// </summary>
    public static ScheduleTimeline For(ScheduleSpec spec, DateTimeOffset? anchor)
    {
        ArgumentNullException.ThrowIfNull(spec);
        switch (KindOf(spec))
        {
            case ScheduleKind.Cron:
                var expression = ScheduleValidator.ParseCron(spec.Cron!, out var cronError) ?? throw new ArgumentException(cronError, nameof(spec));
                var zone = ScheduleValidator.FindTimeZone(spec.TimeZone, out var zoneError) ?? throw new ArgumentException(zoneError, nameof(spec));
                return new CronTimeline(expression, zone);
            case ScheduleKind.Interval:
                return new IntervalTimeline(anchor ?? throw new ArgumentException("An interval timeline needs its anchor.", nameof(anchor)), spec.Interval!.Value);
            case ScheduleKind.Once:
                return new OnceTimeline(spec.At!.Value);
            default:
                throw new ArgumentException("Set exactly one of cron, interval and at.", nameof(spec));
        }
    }

    /// <summary>A cron expression read in a time zone.</summary>
    public static ScheduleTimeline Cron(CronExpression expression, TimeZoneInfo zone) => new CronTimeline(expression, zone);

    /// <summary>Every <paramref name="interval"/> from <paramref name="anchor"/> (the first fire) on.</summary>
    public static ScheduleTimeline Every(TimeSpan interval, DateTimeOffset anchor) => new IntervalTimeline(anchor, interval);

    /// <summary>Once, at <paramref name="at"/>.</summary>
    public static ScheduleTimeline Once(DateTimeOffset at) => new OnceTimeline(at);

    private sealed class CronTimeline(CronExpression expression, TimeZoneInfo zone) : ScheduleTimeline
    {
        public override ScheduleKind Kind => ScheduleKind.Cron;

        public override DateTimeOffset? After(DateTimeOffset instant) =>
            expression.GetNextOccurrence(instant, zone, inclusive: false)?.ToUniversalTime();

        /// <summary>
        /// Walking forward is the truth; walking back only finds where to start. Cronos' previous occurrence inside a
        /// spring-forward gap is the last second before the jump, where the forward walk fires at the jump itself: so
        /// the answer is the last forward fire from the previous occurrence up to <paramref name="instant"/>.
        /// </summary>
        public override DateTimeOffset? AtOrBefore(DateTimeOffset instant)
        {
            for (var start = expression.GetPreviousOccurrence(instant, zone, inclusive: true); start is { } from;
                 start = expression.GetPreviousOccurrence(from, zone, inclusive: false))
            {
                DateTimeOffset? latest = null;
                for (var t = expression.GetNextOccurrence(from, zone, inclusive: true); t is { } fire && fire <= instant;
                     t = expression.GetNextOccurrence(fire, zone, inclusive: false))
                {
                    latest = fire;
                }
                if (latest is { } found)
                {
                    return found.ToUniversalTime();
                }
            }
            return null;
        }
    }

    private sealed class IntervalTimeline : ScheduleTimeline
    {
        private readonly DateTimeOffset _anchor;
        private readonly long _step;

        public IntervalTimeline(DateTimeOffset anchor, TimeSpan interval)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
            _anchor = anchor.ToUniversalTime();
            _step = interval.Ticks;
        }

        public override ScheduleKind Kind => ScheduleKind.Interval;

        public override DateTimeOffset? After(DateTimeOffset instant)
        {
            if (instant < _anchor)
            {
                return _anchor;
            }
            var steps = (instant.UtcTicks - _anchor.UtcTicks) / _step + 1;
            return At(steps);
        }

        public override DateTimeOffset? AtOrBefore(DateTimeOffset instant)
        {
            if (instant < _anchor)
            {
                return null;
            }
            return At((instant.UtcTicks - _anchor.UtcTicks) / _step);
        }

        private DateTimeOffset? At(long steps)
        {
            var ticks = (decimal)_anchor.UtcTicks + (decimal)steps * _step;
            return ticks > DateTimeOffset.MaxValue.UtcTicks ? null : new DateTimeOffset((long)ticks, TimeSpan.Zero);
        }
    }

    private sealed class OnceTimeline(DateTimeOffset at) : ScheduleTimeline
    {
        private readonly DateTimeOffset _at = at.ToUniversalTime();

        public override ScheduleKind Kind => ScheduleKind.Once;

        public override DateTimeOffset? After(DateTimeOffset instant) => instant < _at ? _at : null;

        public override DateTimeOffset? AtOrBefore(DateTimeOffset instant) => instant >= _at ? _at : null;
    }
}
