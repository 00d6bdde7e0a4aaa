using OmniActors.Queues;
using Orleans.Runtime;

namespace OmniActors.Tasks;

/// <summary>
/// References to task grains and queue partitions for the hot path. <c>GetGrain&lt;T&gt;(key)</c> resolves the interface's
/// grain type by reflection on every call (its custom attributes), which cost ~7 % of the silo's busy time at
/// throughput; here the two types are resolved once and each reference is built from its grain id.
/// </summary>
internal sealed class TaskGrainReferences(IGrainFactory grains)
{
    private readonly Lazy<(GrainType Type, GrainInterfaceType Interface)> _task = new(() => Resolve(grains.GetGrain<ITaskGrain>("-")));
    private readonly Lazy<(GrainType Type, GrainInterfaceType Interface)> _partition =
        new(() => Resolve(grains.GetGrain<IQueuePartitionGrain>("-/0")));

    /// <summary>The task grain of <paramref name="taskId"/>.</summary>
    public ITaskGrain Task(string taskId)
    {
        var (type, iface) = _task.Value;
        return (ITaskGrain)grains.GetGrain(GrainId.Create(type, taskId), iface);
    }

    /// <summary>Partition <paramref name="partition"/> of <paramref name="queue"/>.</summary>
    public IQueuePartitionGrain Partition(string queue, int partition)
    {
        var (type, iface) = _partition.Value;
        return (IQueuePartitionGrain)grains.GetGrain(GrainId.Create(type, QueueTopology.PartitionKey(queue, partition)), iface);
    }

    private static (GrainType, GrainInterfaceType) Resolve(IAddressable sample)
    {
        var reference = (GrainReference)sample;
        return (reference.GrainId.Type, reference.InterfaceType);
    }
}
