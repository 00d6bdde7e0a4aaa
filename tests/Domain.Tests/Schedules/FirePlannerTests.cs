using OmniActors.Domain.Schedules;
using OmniActors.Schedules;
using static OmniActors.Tests.Schedules.ScheduleTimelineTests;

namespace OmniActors.Tests.Schedules;

/// <summary>What is due after a pause or an outage, per misfire policy.</summary>
public sealed class FirePlannerTests
{
    private static readonly TimeSpan Grace = FirePlanner.MisfireGrace;

    /// <summary>Every minute from midnight.</summary>
    private static readonly ScheduleTimeline EveryMinute = ScheduleTimeline.Every(TimeSpan.FromMinutes(1), Utc("2026-01-01T00:00:00Z"));

    /// <summary>Every ten minutes from midnight (so the latest due fire can be older than the grace).</summary>
    private static readonly ScheduleTimeline EveryTenMinutes = ScheduleTimeline.Every(TimeSpan.FromMinutes(10), Utc("2026-01-01T00:00:00Z"));

    private static string[] Times(IEnumerable<DateTimeOffset> times) => times.Select(t => t.UtcDateTime.ToString("HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    public static TheoryData<string, string, MisfirePolicy, int, string[], int, string?, string> EveryMinuteCases => new()
    {
        // next (persisted), now, policy, maxCatchUp, fires, missed, earliest missed, new next
        // Nothing due yet.
        { "00:05:00", "00:04:59", MisfirePolicy.SkipToNext, 100, [], 0, null, "00:05:00" },
        // On time: every policy fires the one due fire.
        { "00:05:00", "00:05:00.200", MisfirePolicy.SkipToNext, 100, ["00:05:00"], 0, null, "00:06:00" },
        { "00:05:00", "00:05:00.200", MisfirePolicy.FireOnceNow, 100, ["00:05:00"], 0, null, "00:06:00" },
        { "00:05:00", "00:05:00.200", MisfirePolicy.FireAll, 100, ["00:05:00"], 0, null, "00:06:00" },
        // Late within the grace (a busy silo): still on time.
        { "00:05:00", "00:05:45", MisfirePolicy.SkipToNext, 100, ["00:05:00"], 0, null, "00:06:00" },
        // Down ten and a half minutes: eleven fires came due (00:05 … 00:15), the latest 30 s ago.
        { "00:05:00", "00:15:30", MisfirePolicy.SkipToNext, 100, ["00:15:00"], 10, "00:05:00", "00:16:00" },
        { "00:05:00", "00:15:30", MisfirePolicy.FireOnceNow, 100, ["00:15:00"], 10, "00:05:00", "00:16:00" },
        { "00:05:00", "00:15:30", MisfirePolicy.FireAll, 100, ["00:05:00", "00:06:00", "00:07:00", "00:08:00", "00:09:00", "00:10:00", "00:11:00", "00:12:00", "00:13:00", "00:14:00", "00:15:00"], 0, null, "00:16:00" },
        // Fire all, bounded: the latest three, the earlier eight missed.
        { "00:05:00", "00:15:30", MisfirePolicy.FireAll, 3, ["00:13:00", "00:14:00", "00:15:00"], 8, "00:05:00", "00:16:00" },
    };

    [Theory]
    [MemberData(nameof(EveryMinuteCases))]
    public void Due_fires_split_into_fires_and_misses_per_policy(string next, string now, MisfirePolicy policy, int maxCatchUp, string[] fires, int missed, string? earliestMissed, string newNext)
    {
        var plan = FirePlanner.Plan(EveryMinute, Utc($"2026-01-01T{next}Z"), Utc($"2026-01-01T{now}Z"), policy, maxCatchUp, Grace);

        Assert.Equal(fires, Times(plan.Fires));
        Assert.Equal(missed, plan.Missed);
        Assert.Equal(earliestMissed is null ? null : Utc($"2026-01-01T{earliestMissed}Z"), plan.EarliestMissed);
        Assert.Equal(Utc($"2026-01-01T{newNext}Z"), plan.Next);
    }

    [Theory]
    [InlineData(MisfirePolicy.SkipToNext, new string[0], 1)]
    [InlineData(MisfirePolicy.FireOnceNow, new[] { "00:10:00" }, 0)]
    [InlineData(MisfirePolicy.FireAll, new[] { "00:10:00" }, 0)]
    public void A_single_fire_older_than_the_grace_is_a_misfire(MisfirePolicy policy, string[] fires, int missed)
    {
        // Due at 00:10, seen at 00:12: two minutes late.
        var plan = FirePlanner.Plan(EveryTenMinutes, Utc("2026-01-01T00:10:00Z"), Utc("2026-01-01T00:12:00Z"), policy, 100, Grace);

        Assert.Equal(fires, Times(plan.Fires));
        Assert.Equal(missed, plan.Missed);
        Assert.Equal(Utc("2026-01-01T00:20:00Z"), plan.Next);
    }

    [Theory]
    [InlineData(MisfirePolicy.SkipToNext, new string[0], 4)]
    [InlineData(MisfirePolicy.FireOnceNow, new[] { "00:08:00" }, 3)]
    [InlineData(MisfirePolicy.FireAll, new[] { "00:05:00", "00:06:00", "00:07:00", "00:08:00" }, 0)]
    public void On_resume_every_fire_that_came_due_while_paused_is_a_misfire(MisfirePolicy policy, string[] fires, int missed)
    {
        // Paused before 00:05, resumed at 00:08:30 with no grace: 00:05, 00:06, 00:07, 00:08 were missed.
        var plan = FirePlanner.Plan(EveryMinute, Utc("2026-01-01T00:05:00Z"), Utc("2026-01-01T00:08:30Z"), policy, 100, TimeSpan.Zero);

        Assert.Equal(fires, Times(plan.Fires));
        Assert.Equal(missed, plan.Missed);
        Assert.Equal(Utc("2026-01-01T00:09:00Z"), plan.Next);
    }

    [Theory]
    [InlineData(MisfirePolicy.SkipToNext, 0, 1)]
    [InlineData(MisfirePolicy.FireOnceNow, 1, 0)]
    [InlineData(MisfirePolicy.FireAll, 1, 0)]
    public void A_one_shot_missed_by_a_long_outage_fires_or_is_dropped_per_policy_and_ends(MisfirePolicy policy, int fires, int missed)
    {
        var at = Utc("2026-01-01T00:05:00Z");

        var plan = FirePlanner.Plan(ScheduleTimeline.Once(at), at, Utc("2026-01-01T00:30:00Z"), policy, 100, Grace);

        Assert.Equal(fires, plan.Fires.Count);
        Assert.Equal(missed, plan.Missed);
        Assert.Null(plan.Next);
    }

    [Fact]
    public void A_cron_catch_up_across_the_spring_forward_gap_fires_each_day_once()
    {
        // Daily 02:30 Berlin, down from Friday night to Tuesday: Saturday 02:30 CET, Sunday at the jump (03:00 CEST), Monday 02:30 CEST.
        var timeline = Cron("0 30 2 * * *", "Europe/Berlin");

        var plan = FirePlanner.Plan(timeline, Utc("2026-03-28T01:30:00Z"), Utc("2026-03-30T12:00:00Z"), MisfirePolicy.FireAll, 100, Grace);

        Assert.Equal(new[] { "2026-03-28T01:30:00Z", "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z" }.Select(Utc), plan.Fires);
        Assert.Equal(Utc("2026-03-31T00:30:00Z"), plan.Next);
    }

    [Fact]
    public void A_cron_catch_up_across_the_fall_back_overlap_fires_the_repeated_time_once()
    {
        var timeline = Cron("0 30 2 * * *", "Europe/Berlin");

        var plan = FirePlanner.Plan(timeline, Utc("2026-10-24T00:30:00Z"), Utc("2026-10-26T12:00:00Z"), MisfirePolicy.FireAll, 100, Grace);

        Assert.Equal(new[] { "2026-10-24T00:30:00Z", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z" }.Select(Utc), plan.Fires);
    }

    [Fact]
    public void A_very_long_outage_counts_misses_up_to_a_bound()
    {
        var everySecond = ScheduleTimeline.Every(TimeSpan.FromSeconds(1), Utc("2026-01-01T00:00:00Z"));

        var plan = FirePlanner.Plan(everySecond, Utc("2026-01-01T00:00:00Z"), Utc("2026-01-02T00:00:00Z"), MisfirePolicy.SkipToNext, 100, Grace);

        Assert.Equal([Utc("2026-01-02T00:00:00Z")], plan.Fires);
        Assert.Equal(FirePlanner.CountLimit, plan.Missed);
        Assert.Equal(Utc("2026-01-02T00:00:01Z"), plan.Next);
    }

    [Fact]
    public void A_timetable_that_ended_plans_nothing()
    {
        var plan = FirePlanner.Plan(EveryMinute, null, Utc("2026-01-01T00:05:00Z"), MisfirePolicy.FireAll, 100, Grace);

        Assert.True(plan.IsEmpty);
        Assert.Null(plan.Next);
    }
}
