using OmniActors.Storage;

namespace OmniActors.Schedules;

/// <summary>
/// The names of all schedules, so they can be listed without a table scan. Small by nature (one name per schedule);
/// it never calls a schedule, so a schedule may call it from any turn without risk of a deadlock.
/// </summary>
internal sealed class ScheduleIndexGrain(
    [PersistentState("schedule-index", OmniStorage.GrainStorageName)] IPersistentState<ScheduleIndexState> state) : Grain, IScheduleIndexGrain
{
    public async Task Add(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var names = state.State.Names;
        var at = names.BinarySearch(name, StringComparer.Ordinal);
        if (at < 0)
        {
            names.Insert(~at, name);
            await state.WriteStateAsync();
        }
    }

    public async Task Remove(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var names = state.State.Names;
        var at = names.BinarySearch(name, StringComparer.Ordinal);
        if (at >= 0)
        {
            names.RemoveAt(at);
            await state.WriteStateAsync();
        }
    }

    public Task<IReadOnlyList<string>> List() => Task.FromResult<IReadOnlyList<string>>([.. state.State.Names]);
}
