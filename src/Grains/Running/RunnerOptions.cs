using System.ComponentModel.DataAnnotations;

namespace OmniActors.Running;

/// <summary>The silo's handler runner (<c>OmniActors:Runner</c>).</summary>
public sealed class RunnerOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "OmniActors:Runner";

    /// <summary>Handlers executing at once on this silo; further started tasks wait for a worker.</summary>
    [Range(1, 100_000)] public int MaxConcurrency { get; set; } = 256;

    /// <summary>A running task's lease: the runner renews it every third of this while the handler runs.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>On shutdown, how long running handlers may finish before they are cancelled and requeued.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a handler that ignores its cancelled token is waited for before the attempt is reported.</summary>
    public TimeSpan CancellationGrace { get; set; } = TimeSpan.FromSeconds(5);
}
