using System.ComponentModel.DataAnnotations;

namespace OmniActors.Queues;

/// <summary>How live feeds read queue status (<c>OmniActors:QueueStatus</c>); see <see cref="QueueStatusBoard"/>.</summary>
public sealed class QueueStatusOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "OmniActors:QueueStatus";

    /// <summary>How often watched queues are read, so at most one status per queue per interval goes out.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")] public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often the list of queues is read again for watchers of every queue (a new queue shows up within this).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")] public TimeSpan QueueListRefresh { get; set; } = TimeSpan.FromSeconds(5);
}
