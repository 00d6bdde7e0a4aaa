using System.Text;
using Microsoft.Extensions.Options;

namespace OmniActors.Queues;

/// <summary>
/// How a queue is split: a task's partition is a stable hash of its id, and each partition may run its share
/// of the queue's concurrency, so the shares add up to the cluster-wide limit. A queue never has more
/// partitions than its concurrency (a partition with a share of zero could never run anything).
/// </summary>
public sealed class QueueTopology(IOptions<QueueOptions> options)
{
    private readonly QueueOptions _options = options.Value;

    /// <summary>The queue's cluster-wide concurrency.</summary>
    public int ConcurrencyOf(string queue) =>
        _options.Items.TryGetValue(queue, out var s) && s.Concurrency is { } c ? c : _options.DefaultConcurrency;

    /// <summary>How many partitions the queue has.</summary>
    public int PartitionsOf(string queue)
    {
        var configured = _options.Items.TryGetValue(queue, out var s) && s.Partitions is { } p ? p : _options.DefaultPartitions ?? QueueOptions.ServerDefaultPartitions;
        return Math.Max(1, Math.Min(configured, ConcurrencyOf(queue)));
    }

    /// <summary>The slots partition <paramref name="index"/> may use.</summary>
    public int ShareOf(string queue, int index)
    {
        var concurrency = ConcurrencyOf(queue);
        var partitions = PartitionsOf(queue);
        return concurrency / partitions + (index < concurrency % partitions ? 1 : 0);
    }

    /// <summary>The partition a task belongs to.</summary>
    public int PartitionOf(string queue, string taskId) => (int)(Fnv1a(taskId) % (uint)PartitionsOf(queue));

    /// <summary>The grain key of a partition.</summary>
    public static string PartitionKey(string queue, int index) => $"{queue}/{index}";

    /// <summary>Splits a partition key.</summary>
    public static (string Queue, int Index) ParsePartitionKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var slash = key.LastIndexOf('/');
        return (key[..slash], int.Parse(key.AsSpan(slash + 1), System.Globalization.CultureInfo.InvariantCulture));
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
