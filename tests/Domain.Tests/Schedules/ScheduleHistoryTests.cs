using OmniActors.Domain.Schedules;
using OmniActors.Schedules;
using static OmniActors.Tests.Schedules.ScheduleTimelineTests;

namespace OmniActors.Tests.Schedules;

/// <summary>The bounded history and the fire keys.</summary>
public sealed class ScheduleHistoryTests
{
    [Fact]
    public void The_history_keeps_the_newest_entries_and_reads_newest_first()
    {
        var history = new List<ScheduleFire>();
        var start = Utc("2026-01-01T00:00:00Z");
        for (var i = 0; i < ScheduleHistory.Capacity + 20; i++)
        {
            ScheduleHistory.Append(history, new ScheduleFire { FireTime = start.AddSeconds(i) });
        }

        Assert.Equal(ScheduleHistory.Capacity, history.Count);
        Assert.Equal(start.AddSeconds(20), history[0].FireTime);
        var newest = ScheduleHistory.Newest(history, 3);
        Assert.Equal(new[] { 119, 118, 117 }.Select(s => start.AddSeconds(s)), newest.Select(f => f.FireTime));
        Assert.Empty(ScheduleHistory.Newest(history, 0));
        Assert.Equal(ScheduleHistory.Capacity, ScheduleHistory.Newest(history, 10_000).Count);
    }

    [Fact]
    public void A_fire_key_depends_on_name_and_instant_only()
    {
        var utc = Utc("2026-03-29T01:00:00Z");
        var berlin = utc.ToOffset(TimeSpan.FromHours(2));

        Assert.Equal("schedule:nightly:2026-03-29T01:00:00.0000000Z", ScheduleKeys.IdempotencyKey("nightly", utc));
        Assert.Equal(ScheduleKeys.IdempotencyKey("nightly", utc), ScheduleKeys.IdempotencyKey("nightly", berlin));
        Assert.Equal(ScheduleKeys.TaskId("nightly", utc), ScheduleKeys.TaskId("nightly", berlin));
        Assert.NotEqual(ScheduleKeys.TaskId("nightly", utc), ScheduleKeys.TaskId("nightly", utc.AddSeconds(1)));
        Assert.NotEqual(ScheduleKeys.TaskId("nightly", utc), ScheduleKeys.TaskId("hourly", utc));
    }
}
