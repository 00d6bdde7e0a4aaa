using Orleans.Runtime;

namespace OmniActors.Tests.Storage;

/// <summary>What a probe grain holds in memory: the persisted value and what Orleans knows about the stored row.</summary>
[GenerateSerializer, Alias("omni.test.StorageProbeSnapshot")]
public sealed record StorageProbeSnapshot([property: Id(0)] string? Value, [property: Id(1)] string? ETag, [property: Id(2)] bool RecordExists);

/// <summary>The persisted state of a probe grain.</summary>
[GenerateSerializer, Alias("omni.test.StorageProbeState")]
public sealed class StorageProbeState
{
    [Id(0)] public string? Value { get; set; }
}

/// <summary>Writes, reads and clears one <see cref="IPersistentState{TState}"/> (integer key: no key extension).</summary>
[Alias("omni.test.IStorageProbeGrain")]
public interface IStorageProbeGrain : IGrainWithIntegerKey
{
    [Alias("Write")] Task<StorageProbeSnapshot> Write(string value);
    [Alias("Read")] Task<StorageProbeSnapshot> Read();
    [Alias("Clear")] Task<StorageProbeSnapshot> Clear();
}

/// <summary>The same probe on the provider that deletes the row on clear (string key).</summary>
[Alias("omni.test.IDeletingStorageProbeGrain")]
public interface IDeletingStorageProbeGrain : IGrainWithStringKey
{
    [Alias("Write")] Task<StorageProbeSnapshot> Write(string value);
    [Alias("Clear")] Task<StorageProbeSnapshot> Clear();
}

public abstract class StorageProbeGrainBase(IPersistentState<StorageProbeState> state) : Grain
{
    public async Task<StorageProbeSnapshot> Write(string value)
    {
        state.State.Value = value;
        await state.WriteStateAsync();
        return Snapshot();
    }

    public Task<StorageProbeSnapshot> Read() => Task.FromResult(Snapshot());

    public async Task<StorageProbeSnapshot> Clear()
    {
        await state.ClearStateAsync();
        return Snapshot();
    }

    private StorageProbeSnapshot Snapshot() => new(state.State.Value, state.Etag, state.RecordExists);
}

public sealed class StorageProbeGrain([PersistentState("s", OrleansClusterFixture.StorageName)] IPersistentState<StorageProbeState> state)
    : StorageProbeGrainBase(state), IStorageProbeGrain;

public sealed class DeletingStorageProbeGrain([PersistentState("s", OrleansClusterFixture.DeletingStorageName)] IPersistentState<StorageProbeState> state)
    : StorageProbeGrainBase(state), IDeletingStorageProbeGrain;

/// <summary>Registers, reads and unregisters reminders through the ADO.NET reminder table.</summary>
[Alias("omni.test.IReminderProbeGrain")]
public interface IReminderProbeGrain : IGrainWithStringKey
{
    [Alias("Register")] Task Register(string name, TimeSpan dueTime, TimeSpan period);
    [Alias("Get")] Task<string?> Get(string name);
    [Alias("List")] Task<IReadOnlyList<string>> List();
    [Alias("Unregister")] Task Unregister(string name);
}

public sealed class ReminderProbeGrain : Grain, IReminderProbeGrain, IRemindable
{
    public Task Register(string name, TimeSpan dueTime, TimeSpan period) => this.RegisterOrUpdateReminder(name, dueTime, period);

    public async Task<string?> Get(string name) => (await this.GetReminder(name))?.ReminderName;

    public async Task<IReadOnlyList<string>> List() => (await this.GetReminders()).Select(r => r.ReminderName).ToList();

    public async Task Unregister(string name)
    {
        var reminder = await this.GetReminder(name) ?? throw new InvalidOperationException($"No reminder {name}.");
        await this.UnregisterReminder(reminder);
    }

    // The tests register reminders due far in the future: a tick is never expected.
    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask;
}
