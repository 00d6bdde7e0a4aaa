namespace OmniActors.Schedules;

/// <summary>One schedule (key: schedule name): its definition, timetable, pause state and history of fires.</summary>
[Alias("omni.IScheduleGrain")]
public interface IScheduleGrain : IGrainWithStringKey
{
    /// <summary>Creates the schedule or replaces its definition; a changed timetable restarts from now.</summary>
    [Alias("Upsert")] Task<ScheduleUpsertResult> Upsert(ScheduleSpec spec);
    /// <summary>The schedule, or null if none has this name.</summary>
    [Alias("Get")] Task<ScheduleInfo?> Get();
    /// <summary>Stops firing; fires that come due meanwhile are misfires when it resumes.</summary>
    [Alias("Pause")] Task<ScheduleInfo> Pause();
    /// <summary>Fires again; the fires missed while paused are handled by the misfire policy.</summary>
    [Alias("Resume")] Task<ScheduleInfo> Resume();
    /// <summary>
    /// Fires now, whatever the timetable, pause or overlap policy. With <paramref name="fireTime"/> it is the fire of
    /// that time: repeating it (or the timetable reaching it) never makes a second task.
    /// </summary>
    [Alias("Trigger")] Task<ScheduleFire> Trigger(DateTimeOffset? fireTime);
    /// <summary>Deletes the schedule and its history; tasks already enqueued are not touched.</summary>
    [Alias("Delete")] Task Delete();
    /// <summary>The most recent fires, newest first (at most <paramref name="limit"/>).</summary>
    [Alias("GetHistory")] Task<IReadOnlyList<ScheduleFire>> GetHistory(int limit);
}

/// <summary>The names of all schedules (a single grain, key 0), for listing.</summary>
[Alias("omni.IScheduleIndexGrain")]
public interface IScheduleIndexGrain : IGrainWithIntegerKey
{
    /// <summary>Records a schedule name.</summary>
    [Alias("Add")] Task Add(string name);
    /// <summary>Forgets a schedule name.</summary>
    [Alias("Remove")] Task Remove(string name);
    /// <summary>All names, in ordinal order.</summary>
    [Alias("List")] Task<IReadOnlyList<string>> List();
}
