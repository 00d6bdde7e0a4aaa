using System.Globalization;
using OmniActors.Domain.Schedules;
using OmniActors.Schedules;
using OmniActors.Tasks;

namespace OmniActors.Tests.Schedules;

/// <summary>Fire times of cron (with seconds, in a time zone, across daylight-saving changes), interval and one-shot timetables.</summary>
public sealed class ScheduleTimelineTests
{
    internal static DateTimeOffset Utc(string iso) => DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    internal static ScheduleTimeline Cron(string expression, string? zone = null) =>
        ScheduleTimeline.For(new ScheduleSpec { Cron = expression, TimeZone = zone, Template = new TaskSpec { Action = "noop" } }, null);

    public static TheoryData<string, string?, string, string> NextCronFires => new()
    {
        // expression, zone, after (UTC), next fire (UTC)
        { "*/15 * * * * *", null, "2026-01-01T00:00:07Z", "2026-01-01T00:00:15Z" },
        { "*/15 * * * * *", null, "2026-01-01T00:00:15Z", "2026-01-01T00:00:30Z" }, // strictly after
        { "*/5 * * * *", null, "2026-01-01T00:03:00Z", "2026-01-01T00:05:00Z" },    // five fields: minute first
        { "0 */5 * * *", null, "2026-01-01T00:03:00Z", "2026-01-01T05:00:00Z" },
        { "@daily", null, "2026-01-01T10:00:00Z", "2026-01-02T00:00:00Z" },
        { "0 0 9 * * MON-FRI", "Europe/Berlin", "2026-01-02T10:00:00Z", "2026-01-05T08:00:00Z" }, // Fri after 9 → Mon 09:00 CET
        { "0 0 9 * * *", "Europe/Berlin", "2026-07-01T00:00:00Z", "2026-07-01T07:00:00Z" },       // summer: CEST = UTC+2
        { "0 0 9 * * *", "America/New_York", "2026-01-01T00:00:00Z", "2026-01-01T14:00:00Z" },
        // Berlin springs forward on 2026-03-29 at 02:00 → 03:00: 02:30 does not exist that day and fires once when the clock jumps.
        { "0 30 2 * * *", "Europe/Berlin", "2026-03-28T12:00:00Z", "2026-03-29T01:00:00Z" },
        { "0 30 2 * * *", "Europe/Berlin", "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z" },
        // Berlin falls back on 2026-10-25 at 03:00 → 02:00: 02:30 happens twice and fires once, at the first (CEST).
        { "0 30 2 * * *", "Europe/Berlin", "2026-10-24T12:00:00Z", "2026-10-25T00:30:00Z" },
        { "0 30 2 * * *", "Europe/Berlin", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z" },
    };

    [Theory]
    [MemberData(nameof(NextCronFires))]
    public void A_cron_timetable_fires_at_the_next_matching_time_in_its_zone(string expression, string? zone, string after, string expected)
    {
        var next = Cron(expression, zone).After(Utc(after));

        Assert.Equal(Utc(expected), next);
        Assert.Equal(TimeSpan.Zero, next!.Value.Offset);
    }

    [Fact]
    public void An_expression_that_steps_through_the_repeated_hour_fires_in_both_of_its_occurrences()
    {
        // 02:00 CEST, 02:30 CEST, 02:00 CET, 02:30 CET, 03:00 CET.
        var fires = Cron("0 */30 * * * *", "Europe/Berlin").Between(Utc("2026-10-25T00:00:00Z"), Utc("2026-10-25T02:00:00Z"), 100);

        Assert.Equal(
            new[] { "2026-10-25T00:00:00Z", "2026-10-25T00:30:00Z", "2026-10-25T01:00:00Z", "2026-10-25T01:30:00Z", "2026-10-25T02:00:00Z" }.Select(Utc),
            fires);
    }

    [Fact]
    public void An_expression_that_steps_through_the_skipped_hour_fires_once_at_the_jump()
    {
        // 01:30 CET, then 02:00 and 02:30 do not exist: one fire at 03:00 CEST, then 03:30 CEST.
        var fires = Cron("0 */30 * * * *", "Europe/Berlin").Between(Utc("2026-03-29T00:30:00Z"), Utc("2026-03-29T01:30:00Z"), 100);

        Assert.Equal(new[] { "2026-03-29T00:30:00Z", "2026-03-29T01:00:00Z", "2026-03-29T01:30:00Z" }.Select(Utc), fires);
    }

    [Theory]
    [InlineData("0 30 2 * * *", "Europe/Berlin", "2026-03-27T00:00:00Z", "2026-04-01T00:00:00Z")]
    [InlineData("0 30 2 * * *", "Europe/Berlin", "2026-10-23T00:00:00Z", "2026-10-28T00:00:00Z")]
    [InlineData("0 */30 * * * *", "Europe/Berlin", "2026-10-24T22:00:00Z", "2026-10-25T04:00:00Z")]
    [InlineData("0 */30 * * * *", "Europe/Berlin", "2026-03-28T22:00:00Z", "2026-03-29T04:00:00Z")]
    [InlineData("*/20 * * * * *", null, "2026-01-01T00:00:00Z", "2026-01-01T00:10:00Z")]
    public void Walking_back_finds_the_same_fires_as_walking_forward(string expression, string? zone, string from, string to)
    {
        // Catch-up walks back from now (Before); normal firing walks forward (After): across DST both must agree.
        var timeline = Cron(expression, zone);
        var forward = timeline.Between(Utc(from), Utc(to), 10_000);
        var backward = new List<DateTimeOffset>();
        for (var t = timeline.AtOrBefore(Utc(to)); t is { } fire && fire >= Utc(from); t = timeline.Before(fire))
        {
            backward.Add(fire);
        }
        backward.Reverse();

        Assert.NotEmpty(forward);
        Assert.Equal(forward, backward);
    }

    public static TheoryData<string, double, string, string?, string?> IntervalFires => new()
    {
        // anchor, interval seconds, instant, next after it, latest at or before it
        { "2026-01-01T00:00:00Z", 60, "2025-12-31T23:00:00Z", "2026-01-01T00:00:00Z", null },
        { "2026-01-01T00:00:00Z", 60, "2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z", "2026-01-01T00:00:00Z" },
        { "2026-01-01T00:00:00Z", 60, "2026-01-01T00:00:59.999Z", "2026-01-01T00:01:00Z", "2026-01-01T00:00:00Z" },
        { "2026-01-01T00:00:00Z", 60, "2026-01-01T01:30:30Z", "2026-01-01T01:31:00Z", "2026-01-01T01:30:00Z" },
        { "2026-01-01T00:00:00.250Z", 1.5, "2026-01-01T00:00:03Z", "2026-01-01T00:00:03.250Z", "2026-01-01T00:00:01.750Z" },
        // An interval is elapsed time: daylight saving does not move it.
        { "2026-03-29T00:30:00Z", 3600, "2026-03-29T00:45:00Z", "2026-03-29T01:30:00Z", "2026-03-29T00:30:00Z" },
    };

    [Theory]
    [MemberData(nameof(IntervalFires))]
    public void An_interval_timetable_fires_whole_intervals_after_its_anchor(string anchor, double seconds, string instant, string? next, string? latest)
    {
        var timeline = ScheduleTimeline.Every(TimeSpan.FromSeconds(seconds), Utc(anchor));

        Assert.Equal(next is null ? null : Utc(next), timeline.After(Utc(instant)));
        Assert.Equal(latest is null ? null : Utc(latest), timeline.AtOrBefore(Utc(instant)));
    }

    [Fact]
    public void A_one_shot_fires_once()
    {
        var at = Utc("2026-05-01T08:00:00Z");
        var timeline = ScheduleTimeline.Once(at);

        Assert.Equal(at, timeline.After(at.AddSeconds(-1)));
        Assert.Null(timeline.After(at));
        Assert.Equal(at, timeline.AtOrBefore(at));
        Assert.Null(timeline.AtOrBefore(at.AddTicks(-1)));
        Assert.Equal(at, timeline.AtOrAfter(at));
    }

    [Theory]
    [InlineData(null, 60.0, null, ScheduleKind.Interval)]
    [InlineData("* * * * * *", null, null, ScheduleKind.Cron)]
    [InlineData(null, null, "2026-01-01T00:00:00Z", ScheduleKind.Once)]
    [InlineData(null, null, null, null)]
    [InlineData("* * * * * *", 60.0, null, null)]
    [InlineData(null, 60.0, "2026-01-01T00:00:00Z", null)]
    public void The_kind_is_whichever_one_timing_field_is_set(string? cron, double? seconds, string? at, ScheduleKind? expected)
    {
        var spec = new ScheduleSpec
        {
            Cron = cron,
            Interval = seconds is { } s ? TimeSpan.FromSeconds(s) : null,
            At = at is null ? null : Utc(at),
            Template = new TaskSpec { Action = "noop" },
        };

        Assert.Equal(expected, ScheduleTimeline.KindOf(spec));
    }

    [Fact]
    public void A_new_interval_starts_one_interval_from_now_unless_given_a_start()
    {
        var now = Utc("2026-01-01T12:00:00Z");
        var spec = new ScheduleSpec { Interval = TimeSpan.FromMinutes(5), Template = new TaskSpec { Action = "noop" } };

        Assert.Equal(now.AddMinutes(5), ScheduleTimeline.InitialAnchor(spec, now));
        Assert.Equal(Utc("2026-01-01T09:00:00Z"), ScheduleTimeline.InitialAnchor(spec with { StartAt = new DateTimeOffset(2026, 1, 1, 10, 0, 0, TimeSpan.FromHours(1)) }, now));
        Assert.Null(ScheduleTimeline.InitialAnchor(spec with { Interval = null, Cron = "* * * * *" }, now));
    }

    [Fact]
    public void Only_a_change_of_timing_is_a_new_timetable()
    {
        var spec = new ScheduleSpec { Cron = "0 * * * * *", TimeZone = "Europe/Berlin", Template = new TaskSpec { Action = "noop" } };

        Assert.True(ScheduleTimeline.SameTimetable(spec, spec with { Template = new TaskSpec { Action = "echo", Priority = 5 }, Overlap = OverlapPolicy.Allow }));
        Assert.False(ScheduleTimeline.SameTimetable(spec, spec with { Cron = "30 * * * * *" }));
        Assert.False(ScheduleTimeline.SameTimetable(spec, spec with { TimeZone = "UTC" }));
    }
}
