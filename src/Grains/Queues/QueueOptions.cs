using System.ComponentModel.DataAnnotations;

namespace OmniActors.Queues;

/// <summary>Queue concurrency and partitioning (<c>OmniActors:Queues</c>).</summary>
public sealed class QueueOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "OmniActors:Queues";

    /// <summary>Cluster-wide running tasks per queue when the queue has no setting of its own.</summary>
    [Range(1, 100_000)] public int DefaultConcurrency { get; set; } = 64;

    /// <summary>Partitions per queue (each a grain dispatching its share of the concurrency). Unset, it follows the
    /// storage: <see cref="SqliteDefaultPartitions"/> for the embedded SQLite file (one silo, where every partition cycle
    /// costs the same however few tasks it carries) and <see cref="ServerDefaultPartitions"/> for PostgreSQL (a cluster,
    /// where a queue's partitions spread its dispatch over the silos).</summary>
    [Range(1, 1024)] public int? DefaultPartitions { get; set; }

    /// <summary>The default partition count on SQLite.</summary>
    public const int SqliteDefaultPartitions = 1;

    /// <summary>The default partition count on PostgreSQL.</summary>
    public const int ServerDefaultPartitions = 4;

    /// <summary>Ready tasks a partition keeps warm when their grains start them (tasks with dependencies, an approval or a
    /// breaker): beyond this backlog, or in a paused queue, such a queued task's grain deactivates until dispatched and
    /// reloads its row then. (The batch path's rows are bounded by <see cref="WarmRowBytes"/> instead.)</summary>
    [Range(0, 1_000_000)] public int WarmBacklog { get; set; } = 2_000;

    /// <summary>Memory a silo's partitions may fill with the rows of pending tasks they hold so a claim reads nothing
    /// (estimated from each row's strings, see <see cref="WarmRows"/>): one bound per silo whatever the partition count and
    /// payload size. 64 MiB holds ~90,000 rows of small payloads; 0 holds none (every claim reads its rows).</summary>
    [Range(0, long.MaxValue)] public long WarmRowBytes { get; set; } = 64L << 20;

    /// <summary>
    /// Claims more rounds of tasks (<see cref="ClaimAheadShares"/> times the partition's share) while a partition's attempts
    /// are this short on average (a moving mean of the time from hand-off to report): the claims are stored while the
    /// attempts before them run, so the next attempt starts the moment a slot frees instead of after the commit that
    /// records the end and the next start. Running attempts stay within the queue's limit; the tasks claimed ahead read
    /// "running" (started_at set, attempt counted) for the time they wait for a slot, a few attempts of this length at
    /// most. Longer attempts gain little and are not claimed ahead; zero turns claiming ahead off.
    /// </summary>
    public TimeSpan ClaimAheadBelow { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Shares of claims a partition keeps stored ahead while its attempts are short (<see cref="ClaimAheadBelow"/>).
    /// Unset, it follows the storage: <see cref="SqliteClaimAheadShares"/> on SQLite, whose one writer idles between the
    /// waves of a single share, and <see cref="ServerClaimAheadShares"/> on PostgreSQL, where two shares measured slower
    /// (bench/README "SQLite: fewer index writes and two shares ahead"). 0 claims nothing ahead.</summary>
    [Range(0, 8)] public int? ClaimAheadShares { get; set; }

    /// <summary>The default <see cref="ClaimAheadShares"/> on SQLite.</summary>
    public const int SqliteClaimAheadShares = 2;

    /// <summary>The default <see cref="ClaimAheadShares"/> on PostgreSQL.</summary>
    public const int ServerClaimAheadShares = 1;

    /// <summary>A task due later than this is not kept warm.</summary>
    public TimeSpan WarmHorizon { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Per-queue settings by queue name, e.g. <c>OmniActors:Queues:Items:emails:Concurrency</c>.</summary>
    public Dictionary<string, QueueSettings> Items { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>One queue's settings.</summary>
public sealed class QueueSettings
{
    /// <summary>Cluster-wide running tasks.</summary>
    [Range(1, 100_000)] public int? Concurrency { get; set; }

    /// <summary>Partitions.</summary>
    [Range(1, 1024)] public int? Partitions { get; set; }
}
