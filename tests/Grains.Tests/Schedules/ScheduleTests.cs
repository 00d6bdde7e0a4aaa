using OmniActors.Errors;
using OmniActors.Schedules;
using OmniActors.Tasks;
using OmniActors.Tests.Support;
using Orleans.Runtime;
using static OmniActors.Tests.Tasks.TaskTestKit;
using TaskStatus = OmniActors.Tasks.TaskStatus;

namespace OmniActors.Tests.Schedules;

/// <summary>Schedules firing on a real silo: interval fires, trigger, duplicates, pause and resume, overlap, delete, reactivation.</summary>
public abstract class ScheduleTests(TaskClusterFixture fixture)
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    private Probe Probe => fixture.Probe;

    private static string UniqueName(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N");

    private static TaskSpec Record(string queue) => new() { Action = "test-record", Queue = queue, Payload = "{}" };

    private static ScheduleSpec EverySecond(TaskSpec template) => new() { Interval = Second, Template = template };

    /// <summary>A cron that fires once a year, for tests about manual fires.</summary>
    private static ScheduleSpec Yearly(TaskSpec template) => new() { Cron = "0 0 0 1 1 *", Template = template };

    private Task<IReadOnlyList<ScheduleFire>> History(string name) => Promptly(fixture.Omni.GetScheduleHistoryAsync(name), $"the history of {name}");

    private Task<IReadOnlyList<ScheduleFire>> UntilHistory(string name, Func<IReadOnlyList<ScheduleFire>, bool> done, string what) =>
        Eventually.Until(() => History(name), done, Deadline, what);

    private static List<ScheduleFire> Enqueued(IEnumerable<ScheduleFire> history) =>
        history.Where(f => f.Outcome == FireOutcome.Enqueued).OrderBy(f => f.FireTime).ToList();

    private async Task DeleteQuietly(string name)
    {
        try
        {
            await fixture.Omni.DeleteScheduleAsync(name);
        }
        catch (NotFoundException)
        {
            // The test deleted it already.
        }
    }

    [Fact]
    public async Task An_interval_schedule_fires_every_second_and_each_fire_runs_its_own_derived_task()
    {
        var name = UniqueName("every-second");
        var queue = UniqueQueue("sched-interval");
        var created = await fixture.Omni.UpsertScheduleAsync(name, EverySecond(Record(queue)));
        try
        {
            Assert.True(created.Created);
            Assert.Equal(ScheduleKind.Interval, created.Schedule.Kind);
            Assert.NotNull(created.Schedule.NextFireAt);

            var history = await UntilHistory(name, h => Enqueued(h).Count >= 3, "three fires");

            var fires = Enqueued(history);
            Assert.Equal(fires.Count, fires.Select(f => f.TaskId).Distinct().Count());
            foreach (var (earlier, later) in fires.Zip(fires.Skip(1)))
            {
                Assert.Equal(Second, later.FireTime - earlier.FireTime);
            }
            foreach (var fire in fires)
            {
                Assert.False(fire.Manual);
                Assert.Equal(ScheduleKeys.TaskId(name, fire.FireTime), fire.TaskId);
                var task = await fixture.Omni.EndsAs(fire.TaskId!, TaskStatus.Succeeded);
                Assert.Equal(ScheduleKeys.IdempotencyKey(name, fire.FireTime), task.IdempotencyKey);
                Assert.Equal(queue, task.Queue);
                Assert.Equal(1, fixture.ExecutionsOf(task.Id));
            }
            var info = Present(await fixture.Omni.GetScheduleAsync(name));
            Assert.True(info.FireCount >= 3);
            Assert.True(info.NextFireAt > info.LastFireAt);
        }
        finally
        {
            await DeleteQuietly(name);
        }
    }

    [Fact]
    public async Task Trigger_now_enqueues_a_task_at_once()
    {
        var name = UniqueName("trigger");
        var queue = UniqueQueue("sched-trigger");
        await fixture.Omni.UpsertScheduleAsync(name, Yearly(Record(queue)));
        try
        {
            var fire = await fixture.Omni.TriggerScheduleAsync(name);

            Assert.Equal(FireOutcome.Enqueued, fire.Outcome);
            Assert.True(fire.Manual);
            Assert.Equal(ScheduleKeys.TaskId(name, fire.FireTime), fire.TaskId);
            await fixture.Omni.EndsAs(fire.TaskId!, TaskStatus.Succeeded);
            var info = Present(await fixture.Omni.GetScheduleAsync(name));
            Assert.Equal(fire.TaskId, info.LastTaskId);
            Assert.Equal(1, info.FireCount);
            Assert.Equal(fire, Assert.Single(await History(name)));
        }
        finally
        {
            await DeleteQuietly(name);
        }
    }

    [Fact]
    public async Task A_fire_repeated_for_the_same_time_makes_one_task()
    {
        var name = UniqueName("duplicate");
        var queue = UniqueQueue("sched-dup");
        await fixture.Omni.UpsertScheduleAsync(name, Yearly(Record(queue)));
        try
        {
            var fireTime = new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);

            // Two at once (as a timer and a reminder, or two silos, would), then a third naming the same instant in another offset.
            var both = await Task.WhenAll(
                fixture.Omni.TriggerScheduleAsync(name, fireTime),
                fixture.Omni.TriggerScheduleAsync(name, fireTime));
            var third = await fixture.Omni.TriggerScheduleAsync(name, fireTime.ToOffset(TimeSpan.FromHours(2)));

            var taskId = ScheduleKeys.TaskId(name, fireTime);
            Assert.All(both.Append(third), f => Assert.Equal(taskId, f.TaskId));
            Assert.Equal(
                new[] { FireOutcome.Enqueued, FireOutcome.AlreadyEnqueued, FireOutcome.AlreadyEnqueued },
                both.Append(third).Select(f => f.Outcome).Order());
            await fixture.Omni.EndsAs(taskId, TaskStatus.Succeeded);
            Assert.Equal(1, fixture.ExecutionsOf(taskId));
            Assert.Equal(1, Present(await fixture.Omni.GetScheduleAsync(name)).FireCount);
            Assert.Single(Probe.Started[queue]);
        }
        finally
        {
            await DeleteQuietly(name);
        }
    }

    [Fact]
    public async Task Pause_stops_fires_and_resume_with_fire_once_now_fires_the_latest_missed_time_once()
    {
        var name = UniqueName("pause-once");
        var queue = UniqueQueue("sched-pause");
        await fixture.Omni.UpsertScheduleAsync(name, EverySecond(Record(queue)) with { Misfire = MisfirePolicy.FireOnceNow });
        try
        {
            await UntilHistory(name, h => Enqueued(h).Count >= 1, "a first fire");

            var paused = await fixture.Omni.PauseScheduleAsync(name);
            var pausedAt = DateTimeOffset.UtcNow;
            Assert.True(paused.Paused);
            Assert.Null(paused.NextFireAt);
            var firesBefore = Enqueued(await History(name)).Count;
            // Long enough for at least two fire times to pass while paused.
            await HoldsFor(TimeSpan.FromSeconds(2.5), async () => Enqueued(await History(name)).Count == firesBefore, "a paused schedule does not fire");

            var resumed = await fixture.Omni.ResumeScheduleAsync(name);
            var resumedAt = DateTimeOffset.UtcNow;

            Assert.False(resumed.Paused);
            Assert.True(resumed.NextFireAt > pausedAt);
            var sincePause = (await History(name)).Where(f => f.RecordedAt >= pausedAt).ToList();
            var missed = Assert.Single(sincePause, f => f.Outcome == FireOutcome.Missed);
            Assert.True(missed.Count >= 1, $"missed {missed.Count}");
            var catchUp = Assert.Single(sincePause, f => f.Outcome == FireOutcome.Enqueued && f.FireTime < resumedAt);
            Assert.True(catchUp.FireTime > missed.FireTime && catchUp.FireTime > pausedAt);
            await fixture.Omni.EndsAs(catchUp.TaskId!, TaskStatus.Succeeded);

            await UntilHistory(name, h => h.Any(f => f.Outcome == FireOutcome.Enqueued && f.FireTime > resumedAt), "fires go on after resume");
        }
        finally
        {
            await DeleteQuietly(name);
        }
    }

    [Fact]
    public async Task Resume_with_skip_to_next_fires_nothing_that_was_missed()
    {
        var name = UniqueName("pause-skip");
        var queue = UniqueQueue("sched-skip");
        await fixture.Omni.UpsertScheduleAsync(name, EverySecond(Record(queue)) with { Misfire = MisfirePolicy.SkipToNext });
        try
        {
            await UntilHistory(name, h => Enqueued(h).Count >= 1, "a first fire");
            await fixture.Omni.PauseScheduleAsync(name);
            var pausedAt = DateTimeOffset.UtcNow;
            var firesBefore = Enqueued(await History(name)).Count;
            await HoldsFor(TimeSpan.FromSeconds(2.5), async () => Enqueued(await History(name)).Count == firesBefore, "a paused schedule does not fire");

            var resumed = await fixture.Omni.ResumeScheduleAsync(name);
            var resumedAt = DateTimeOffset.UtcNow;

            var sincePause = (await History(name)).Where(f => f.RecordedAt >= pausedAt).ToList();
            // The next fire after resume may already be in the history (it can come within the same second); any fire
            // enqueued since the pause must be that one or later, never a fire time that passed while paused.
            var missed = Assert.Single(sincePause, f => f.Outcome != FireOutcome.Enqueued);
            Assert.Equal(FireOutcome.Missed, missed.Outcome);
            Assert.True(missed.Count >= 2, "every fire time that passed while paused is one missed entry");
            Assert.True(resumed.NextFireAt > resumedAt - Second);
            Assert.All(sincePause.Where(f => f.Outcome == FireOutcome.Enqueued), f => Assert.True(f.FireTime >= resumed.NextFireAt,
                $"a fire at {f.FireTime:O} was enqueued though it passed while paused (next after resume: {resumed.NextFireAt:O})"));
            await UntilHistory(name, h => h.Any(f => f.Outcome == FireOutcome.Enqueued && f.FireTime > pausedAt), "the next fire after resume");
        }
        finally
        {
            await DeleteQuietly(name);
        }
    }

    [Fact]
    public async Task Overlap_skip_skips_fires_while_the_previous_task_runs()
    {
        var name = UniqueName("overlap-skip");
        var queue = UniqueQueue("sched-overlap");
        await fixture.Omni.UpsertScheduleAsync(name, EverySecond(new TaskSpec { Action = "test-block", Queue = queue }) with { Overlap = OverlapPolicy.Skip });
        IReadOnlyList<ScheduleFire> history = [];
        try
        {
            history = await UntilHistory(name, h => h.Count(f => f.Outcome == FireOutcome.SkippedOverlap) >= 2, "two fires skipped while the first task blocks");

            var first = Assert.Single(Enqueued(history));
            Assert.Equal(TaskStatus.Running, Present(await fixture.Omni.GetAsync(first.TaskId!)).Status);
            Assert.All(history.Where(f => f.Outcome == FireOutcome.SkippedOverlap), f =>
            {
                Assert.Equal(first.TaskId, f.TaskId);
                Assert.True(f.FireTime > first.FireTime);
            });

            Probe.Gate(first.TaskId!).TrySetResult();
            await fixture.Omni.EndsAs(first.TaskId!, TaskStatus.Succeeded);
            history = await UntilHistory(name, h => Enqueued(h).Count >= 2, "the next fire after the task ended");
        }
        finally
        {
            await DeleteQuietly(name);
            foreach (var fire in Enqueued(history))
            {
                Probe.Gate(fire.TaskId!).TrySetResult();
            }
            foreach (var id in Probe.Started.GetValueOrDefault(queue) ?? [])
            {
                Probe.Gate(id).TrySetResult();
            }
        }
    }

    [Fact]
    public async Task Overlap_buffer_one_holds_one_fire_and_enqueues_it_when_the_previous_task_ends()
    {
        var name = UniqueName("overlap-buffer");
        var queue = UniqueQueue("sched-buffer");
        await fixture.Omni.UpsertScheduleAsync(name, EverySecond(new TaskSpec { Action = "test-block", Queue = queue }) with { Overlap = OverlapPolicy.BufferOne });
        IReadOnlyList<ScheduleFire> history = [];
        try
        {
            history = await UntilHistory(name, h => h.Any(f => f.Outcome == FireOutcome.SkippedOverlap), "a fire buffered and a later one skipped");
            var first = Assert.Single(Enqueued(history));
            var buffered = Assert.Single(history, f => f.Outcome == FireOutcome.Buffered);
            Assert.Equal(buffered.FireTime, Present(await fixture.Omni.GetScheduleAsync(name)).BufferedFireAt);

            Probe.Gate(first.TaskId!).TrySetResult();

            history = await UntilHistory(name, h => Enqueued(h).Count >= 2, "the buffered fire is enqueued");
            var second = Enqueued(history)[1];
            Assert.Equal(buffered.FireTime, second.FireTime);
            Assert.Equal(ScheduleKeys.TaskId(name, buffered.FireTime), second.TaskId);
        }
        finally
        {
            await DeleteQuietly(name);
            foreach (var id in Probe.Started.GetValueOrDefault(queue) ?? [])
            {
                Probe.Gate(id).TrySetResult();
            }
            foreach (var fire in Enqueued(history))
            {
                Probe.Gate(fire.TaskId!).TrySetResult();
            }
        }
    }

    [Fact]
    public async Task A_deleted_schedule_is_gone_and_never_fires()
    {
        var name = UniqueName("deleted");
        var queue = UniqueQueue("sched-deleted");
        var created = await fixture.Omni.UpsertScheduleAsync(name, EverySecond(Record(queue)));
        var firstFire = created.Schedule.NextFireAt!.Value;

        await fixture.Omni.DeleteScheduleAsync(name);

        Assert.Null(await fixture.Omni.GetScheduleAsync(name));
        Assert.DoesNotContain(await fixture.Omni.ListSchedulesAsync(), s => s.Name == name);
        await Assert.ThrowsAsync<NotFoundException>(() => fixture.Omni.GetScheduleHistoryAsync(name));
        await Assert.ThrowsAsync<NotFoundException>(() => fixture.Omni.TriggerScheduleAsync(name));
        await Assert.ThrowsAsync<NotFoundException>(() => fixture.Omni.DeleteScheduleAsync(name));
        await HoldsFor(TimeSpan.FromSeconds(1.5), () => Task.FromResult(!Probe.Started.ContainsKey(queue)), "a deleted schedule does not fire");
        Assert.Null(await fixture.Omni.GetAsync(ScheduleKeys.TaskId(name, firstFire)));
    }

    [Fact]
    public async Task Schedules_are_listed_with_their_next_fire_times_and_an_update_keeps_the_timetable()
    {
        var cron = UniqueName("list-cron");
        var once = UniqueName("list-once");
        var at = DateTimeOffset.UtcNow.AddHours(2);
        await fixture.Omni.UpsertScheduleAsync(cron, Yearly(Record("default")) with { TimeZone = "Europe/Berlin" });
        await fixture.Omni.UpsertScheduleAsync(once, new ScheduleSpec { At = at, Template = Record("default") });
        try
        {
            var listed = await fixture.Omni.ListSchedulesAsync();

            var c = Assert.Single(listed, s => s.Name == cron);
            Assert.Equal(ScheduleKind.Cron, c.Kind);
            // 1 January, 00:00 in Berlin is 23:00 UTC on 31 December.
            Assert.Equal(new DateTimeOffset(DateTimeOffset.UtcNow.Year, 12, 31, 23, 0, 0, TimeSpan.Zero), c.NextFireAt);
            var o = Assert.Single(listed, s => s.Name == once);
            Assert.Equal(ScheduleKind.Once, o.Kind);
            Assert.Equal(at, o.NextFireAt);

            var updated = await fixture.Omni.UpsertScheduleAsync(cron, Yearly(Record("default") with { Priority = 7 }) with { TimeZone = "Europe/Berlin" });
            Assert.False(updated.Created);
            Assert.Equal(7, updated.Schedule.Spec.Template.Priority);
            Assert.Equal(c.NextFireAt, updated.Schedule.NextFireAt);
            Assert.Equal(c.CreatedAt, updated.Schedule.CreatedAt);
        }
        finally
        {
            await DeleteQuietly(cron);
            await DeleteQuietly(once);
        }
    }

    [Fact]
    public async Task A_bad_schedule_is_refused_and_nothing_is_stored()
    {
        var name = UniqueName("bad");

        var ex = await Assert.ThrowsAsync<TaskValidationException>(() =>
            fixture.Omni.UpsertScheduleAsync(name, new ScheduleSpec { Cron = "61 * * * * *", Template = Record("default") }));

        Assert.Equal(ScheduleErrorCodes.InvalidCron, ex.Code);
        Assert.Null(await fixture.Omni.GetScheduleAsync(name));
        Assert.DoesNotContain(await fixture.Omni.ListSchedulesAsync(), s => s.Name == name);
    }

    [Fact]
    public async Task A_deactivated_schedule_catches_up_per_its_misfire_policy_when_it_comes_back()
    {
        var name = UniqueName("restart");
        var queue = UniqueQueue("sched-restart");
        await fixture.Omni.UpsertScheduleAsync(name, EverySecond(Record(queue)) with { Misfire = MisfirePolicy.FireOnceNow });
        try
        {
            await UntilHistory(name, h => Enqueued(h).Count >= 1, "a first fire");
            var grain = fixture.Client.GetGrain<IScheduleGrain>(name);
            var management = fixture.Client.GetGrain<IManagementGrain>(0);

            // The activation goes away with its timer, as in a crash; nothing fires until something activates it again.
            await management.DeactivateGrain(grain.GetGrainId());
            await Eventually.Until(() => management.GetGrainActivationCount((GrainReference)grain), n => n == 0, Deadline, "the schedule deactivates");
            var downAt = DateTimeOffset.UtcNow;
            await HoldsFor(TimeSpan.FromSeconds(2.5), async () => await management.GetGrainActivationCount((GrainReference)grain) == 0, "nothing reactivates it");

            // Any call (here a read; after a crash, the reminder) brings it back from its stored state, and it catches up.
            var history = await UntilHistory(name, h => h.Any(f => f.Outcome == FireOutcome.Missed && f.RecordedAt >= downAt), "the missed fires are recorded");

            var sinceDown = history.Where(f => f.RecordedAt >= downAt).ToList();
            Assert.True(Assert.Single(sinceDown, f => f.Outcome == FireOutcome.Missed).Count >= 1);
            var catchUp = sinceDown.Where(f => f.Outcome == FireOutcome.Enqueued).MinBy(f => f.FireTime);
            Assert.NotNull(catchUp);
            await fixture.Omni.EndsAs(catchUp.TaskId!, TaskStatus.Succeeded);
            Assert.Equal(1, fixture.ExecutionsOf(catchUp.TaskId!));
        }
        finally
        {
            await DeleteQuietly(name);
        }
    }
}

[Collection(SqliteClusterCollection.Name)]
public sealed class SqliteScheduleTests(SqliteTaskCluster fixture) : ScheduleTests(fixture);

[Collection(PostgresClusterCollection.Name)]
public sealed class PostgresScheduleTests(PostgresTaskCluster fixture) : ScheduleTests(fixture);
