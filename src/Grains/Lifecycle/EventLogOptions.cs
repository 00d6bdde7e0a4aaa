using System.ComponentModel.DataAnnotations;

namespace OmniActors.Lifecycle;

/// <summary>The event log, lifecycle streams and server-sent events (<c>OmniActors:EventLog</c>).</summary>
public sealed class EventLogOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "OmniActors:EventLog";

    /// <summary>Write task events to <c>omni_event_log</c> in the task row's transaction (off: streams and metrics only).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Events are deleted this long after they happened, by the tasks' retention cleanup (its interval and batch
    /// size); zero keeps them forever. Without it the log grows by about three rows per task for good.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Publish lifecycle events on Orleans streams (per queue and all).</summary>
    public bool Streams { get; set; } = true;

    /// <summary>How often an idle server-sent-events connection gets a heartbeat comment.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")] public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Events a server-sent-events client may fall behind by before it is dropped (the silo never waits for it).</summary>
    [Range(1, 1_000_000)] public int ClientBufferSize { get; set; } = 1024;

    /// <summary>Most server-sent-events connections per silo.</summary>
    [Range(1, 100_000)] public int MaxClients { get; set; } = 1000;

    /// <summary>How often the log is re-read while clients listen, besides being woken by new events (catches what a lost stream item missed).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")] public TimeSpan TailPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long the tail waits for a missing sequence number (a transaction still committing on another silo) before skipping it (a rolled-back one).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")] public TimeSpan GapWait { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Events a silo buffers for the stream before dropping the newest (streams notify; the log keeps them).</summary>
    [Range(16, 10_000_000)] public int StreamBufferSize { get; set; } = 65_536;

    /// <summary>Shortest time between two stream flushes of a silo: events gathered meanwhile go out as one item per stream,
    /// so a busy silo sends a few stream messages a second rather than one per transition.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")] public TimeSpan StreamFlushInterval { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>How long a stream item stays in the silo's stream cache after delivery (Orleans keeps memory-stream items
    /// 5 to 30 minutes by default for rewinding subscribers; ours subscribe live only, and each item held costs memory).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:30:00")] public TimeSpan StreamCacheTime { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often each of the lifecycle stream's pulling agents asks its queue for items when the last ask found
    /// none (one that finds items asks again at once). Orleans' default, 100 ms, makes an idle silo call its stream
    /// queues ten times a second each.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")] public TimeSpan StreamPollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Queues of the lifecycle stream across the cluster (each with a pulling agent on some silo). Every silo of a
    /// cluster must say the same: each maps a stream to a queue by this count.</summary>
    [Range(1, 256)] public int StreamQueues { get; set; } = 8;

    /// <summary>Most events in one stream item.</summary>
    [Range(1, 100_000)] public int StreamBatchSize { get; set; } = 512;
}
