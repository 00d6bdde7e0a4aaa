using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace OmniActors.Queues;

/// <summary>
/// Queue depth and running gauges (<c>omniactors.queue.*</c>) for the partitions active on this silo. Partitions
/// report their in-memory counts whenever they dispatch; a scrape only reads the last reports, so it never calls a
/// grain. Each silo exports its own partitions: sum over instances for the cluster.
/// </summary>
public sealed class QueueGauges
{
    /// <summary>The meter's name, to enable in an exporter.</summary>
    public const string MeterName = "OmniActors.Queues";

    private readonly ConcurrentDictionary<string, PartitionCounts> _partitions = new(StringComparer.Ordinal);
    // From the host's IMeterFactory, not `new Meter`: a meter scoped to its container is only seen by that host's
    // exporter, so several silos in one process (tests) neither mix their figures nor end each other's streams.
    private readonly Meter _meter;

    /// <summary>Creates the gauges.</summary>
    public QueueGauges(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _meter = meters.Create(MeterName);
        _meter.CreateObservableGauge("omniactors.queue.depth", ObserveDepth,
            description: "Tasks waiting in a queue on this silo, by state: ready (due now) or scheduled (due later)");
        _meter.CreateObservableGauge("omniactors.queue.running", ObserveRunning,
            description: "Tasks of a queue dispatched by this silo's partitions and still running");
    }

    /// <summary>Records a partition's current counts (replacing its previous report).</summary>
    public void Report(string partitionKey, string queue, int ready, int scheduled, int running) =>
        _partitions[partitionKey] = new PartitionCounts(queue, ready, scheduled, running);

    /// <summary>Forgets a partition that deactivated (its tasks are counted again where it reactivates).</summary>
    public void Forget(string partitionKey) => _partitions.TryRemove(partitionKey, out _);

    private IEnumerable<Measurement<int>> ObserveDepth()
    {
        foreach (var (queue, counts) in ByQueue())
        {
            yield return new Measurement<int>(counts.Ready, Tag("queue", queue), Tag("state", "ready"));
            yield return new Measurement<int>(counts.Scheduled, Tag("queue", queue), Tag("state", "scheduled"));
        }
    }

    private IEnumerable<Measurement<int>> ObserveRunning() =>
        ByQueue().Select(q => new Measurement<int>(q.Value.Running, Tag("queue", q.Key)));

    private Dictionary<string, PartitionCounts> ByQueue()
    {
        var queues = new Dictionary<string, PartitionCounts>(StringComparer.Ordinal);
        foreach (var counts in _partitions.Values)
        {
            queues[counts.Queue] = queues.TryGetValue(counts.Queue, out var sum)
                ? sum with { Ready = sum.Ready + counts.Ready, Scheduled = sum.Scheduled + counts.Scheduled, Running = sum.Running + counts.Running }
                : counts;
        }
        return queues;
    }

    private static KeyValuePair<string, object?> Tag(string name, string value) => new(name, value);

    private sealed record PartitionCounts(string Queue, int Ready, int Scheduled, int Running);
}
