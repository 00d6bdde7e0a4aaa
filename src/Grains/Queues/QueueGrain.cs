using OmniActors.Storage;

namespace OmniActors.Queues;

/// <summary>A queue's persisted settings.</summary>
[GenerateSerializer, Alias("omni.QueueGrainState")]
public sealed class QueueGrainState
{
    /// <summary>Dispatch is stopped.</summary>
    [Id(0)] public bool Paused { get; set; }
}

/// <summary>A queue as a whole: its pause flag (grain state in the ADO.NET store) and figures over its partitions.</summary>
internal sealed class QueueGrain(
    [PersistentState("queue", OmniStorage.GrainStorageName)] IPersistentState<QueueGrainState> state,
    QueueTopology topology) : Grain, IQueueGrain
{
    private string Name => this.GetPrimaryKeyString();

    public Task Pause() => SetPausedAsync(true);

    public Task Resume() => SetPausedAsync(false);

    public Task<bool> IsPaused() => Task.FromResult(state.State.Paused);

    public async Task<QueueStats> GetStats()
    {
        var parts = await Task.WhenAll(Partitions().Select(p => p.GetStats()));
        var recent = parts.Sum(p => p.RecentFinished);
        return new QueueStats
        {
            Queue = Name,
            Paused = state.State.Paused,
            Ready = parts.Sum(p => p.Ready),
            Scheduled = parts.Sum(p => p.Scheduled),
            Running = parts.Sum(p => p.Running),
            Concurrency = topology.ConcurrencyOf(Name),
            Partitions = parts.Length,
            Succeeded = parts.Sum(p => p.Succeeded),
            Failed = parts.Sum(p => p.Failed),
            ThroughputPerMinute = recent,
            FailureRate = recent == 0 ? 0 : (double)parts.Sum(p => p.RecentFailed) / recent,
        };
    }

    private async Task SetPausedAsync(bool paused)
    {
        state.State.Paused = paused;
        await state.WriteStateAsync();
        await Task.WhenAll(Partitions().Select(p => p.SetPaused(paused)));
    }

    private IEnumerable<IQueuePartitionGrain> Partitions() =>
        Enumerable.Range(0, topology.PartitionsOf(Name))
            .Select(i => GrainFactory.GetGrain<IQueuePartitionGrain>(QueueTopology.PartitionKey(Name, i)));
}
