using System.Text;
using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace OmniActors.Queues;

/// <summary>
/// Where a queue partition lives: its partitions are dealt round the active silos in turn, starting at a place the queue's
/// name picks, so a queue's partitions (and so its runners' work, which runs where its partition lives) spread evenly
/// over the cluster instead of landing where the first enqueue happened to arrive.
/// </summary>
[GenerateSerializer, Immutable, Alias("omni.PartitionPlacement")]
public sealed class PartitionPlacement : PlacementStrategy
{
    /// <summary>The one instance.</summary>
    public static PartitionPlacement Instance { get; } = new();

    /// <summary>The silo partition <paramref name="index"/> of <paramref name="queue"/> belongs on, among <paramref name="silos"/>.</summary>
    public static SiloAddress HomeOf(string queue, int index, IReadOnlyCollection<SiloAddress> silos)
    {
        ArgumentNullException.ThrowIfNull(silos);
        var ordered = silos.OrderBy(s => s.ToParsableString(), StringComparer.Ordinal).ToArray();
        var start = Fnv1a(queue) % (uint)ordered.Length;
        return ordered[(int)((start + (uint)index) % (uint)ordered.Length)];
    }

    private static uint Fnv1a(string text)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            hash = (hash ^ b) * 16777619u;
        }
        return hash;
    }
}

/// <summary>Places a grain class with <see cref="PartitionPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class PartitionPlacementAttribute() : PlacementAttribute(PartitionPlacement.Instance);

/// <summary>Places queue partitions by <see cref="PartitionPlacement.HomeOf"/> over the silos that can host them.</summary>
internal sealed class PartitionPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var silos = context.GetCompatibleSilos(target);
        var (queue, index) = QueueTopology.ParsePartitionKey(target.GrainIdentity.Key.ToString()!);
        return Task.FromResult(PartitionPlacement.HomeOf(queue, index, silos));
    }
}
