using System.ComponentModel.DataAnnotations;
using OmniActors.Domain;
using OmniActors.Tasks;

namespace OmniActors.Tasks;

/// <summary>Task defaults and limits (<c>OmniActors:Tasks</c>).</summary>
public sealed class TaskOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "OmniActors:Tasks";

    /// <summary>Largest payload in bytes (UTF-8).</summary>
    [Range(1, 64 * 1024 * 1024)] public int MaxPayloadBytes { get; set; } = 256 * 1024;
    /// <summary>Per-attempt timeout when neither the task nor its action sets one.</summary>
    public TimeSpan DefaultTimeout { get; set; } = TimeSpan.FromMinutes(5);
    /// <summary>How long a result is kept when the task does not say.</summary>
    public TimeSpan DefaultResultTtl { get; set; } = TimeSpan.FromDays(1);
    /// <summary>Attempts (first included) when neither the task nor its action sets a policy.</summary>
    [Range(1, 100)] public int DefaultMaxAttempts { get; set; } = 3;
    /// <summary>First retry's backoff ceiling.</summary>
    public TimeSpan DefaultRetryInitialDelay { get; set; } = TimeSpan.FromSeconds(1);
    /// <summary>Backoff cap.</summary>
    public TimeSpan DefaultRetryMaxDelay { get; set; } = TimeSpan.FromMinutes(5);
    /// <summary>How often expired results are swept out of the table.</summary>
    public TimeSpan ResultSweepInterval { get; set; } = TimeSpan.FromMinutes(1);
    /// <summary>How often tasks waiting on dependencies are re-checked, in case a wake-up was lost to a crash.</summary>
    public TimeSpan DependencySweepInterval { get; set; } = TimeSpan.FromMinutes(1);
    /// <summary>Finished tasks (succeeded, cancelled, rejected) are deleted this long after they ended; zero keeps them forever.
    /// Dead letters stay until purged.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);
    /// <summary>How often the retention cleanup runs.</summary>
    public TimeSpan RetentionSweepInterval { get; set; } = TimeSpan.FromMinutes(10);
    /// <summary>Most rows one cleanup statement deletes (short transactions: the queue's writes are never held up long).</summary>
    [Range(1, 100_000)] public int RetentionBatchSize { get; set; } = 500;
    /// <summary>Pause between cleanup batches, leaving the database to the queue.</summary>
    public TimeSpan RetentionBatchPause { get; set; } = TimeSpan.FromMilliseconds(200);
    /// <summary>Most tasks in one batch submission.</summary>
    [Range(1, 100_000)] public int MaxBatchSize { get; set; } = 1000;

    /// <summary>
    /// How long an enqueue keeps retrying while its queue partition's silo is unreachable (it died and the cluster has not
    /// declared it dead yet); past it the caller gets <c>cluster_unavailable</c>. A little over the membership's detection time.
    /// </summary>
    public TimeSpan UnavailableRetryWindow { get; set; } = TimeSpan.FromSeconds(8);

    /// <summary>The limits the validator applies.</summary>
    public TaskLimits Limits => new() { MaxPayloadBytes = MaxPayloadBytes };

    /// <summary>The defaults a task of <paramref name="action"/> gets.</summary>
    public TaskDefaults DefaultsFor(Actions.ActionRegistration? action) => new()
    {
        Retry = action?.Retry ?? new RetryPolicy
        {
            MaxAttempts = DefaultMaxAttempts,
            InitialDelay = DefaultRetryInitialDelay,
            MaxDelay = DefaultRetryMaxDelay,
        },
        Timeout = action?.Timeout ?? DefaultTimeout,
        ResultTtl = DefaultResultTtl,
    };
}
