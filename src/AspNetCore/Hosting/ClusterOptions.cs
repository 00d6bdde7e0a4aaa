using System.ComponentModel.DataAnnotations;

namespace OmniActors.Silo.Hosting;

/// <summary>How this silo joins its cluster (<c>OmniActors:Cluster</c>).</summary>
public sealed class OmniClusterOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "OmniActors:Cluster";

    /// <summary>Silos with the same cluster id form one cluster.</summary>
    [Required] public string ClusterId { get; set; } = "omniactors";

    /// <summary>Identifies the application's stored state across deployments.</summary>
    [Required] public string ServiceId { get; set; } = "omniactors";

    /// <summary>Silo-to-silo port.</summary>
    [Range(1, 65535)] public int SiloPort { get; set; } = 11111;

    /// <summary>The address other silos and clients reach this silo at (cluster mode); unset picks this host's address.</summary>
    public string? AdvertisedIPAddress { get; set; }

    /// <summary>Port Orleans clients connect to.</summary>
    [Range(1, 65535)] public int GatewayPort { get; set; } = 30000;

    /// <summary>
    /// Period and timeout of the liveness probes between silos (Orleans' default is 5 s). With <see cref="MissedProbesLimit"/>
    /// it sets how soon a dead silo is declared dead: about limit × period, here 3 s instead of 15 s, so its queue partitions
    /// and the tasks it ran are recovered that much sooner. The cost is one small probe message a second to each of the
    /// (at most three) silos a silo watches, and a silo stalled longer than that (a long GC pause) risks being voted out.
    /// </summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Missed probes in a row after which a silo is suspected (and, with enough votes, declared dead).</summary>
    [Range(1, 100)] public int MissedProbesLimit { get; set; } = 3;

    /// <summary>
    /// Grains whose silo this silo remembers (Orleans' grain directory cache; Orleans' default is 1,000,000). Orleans
    /// sizes the cache's table for the whole capacity up front and counts its entries by walking that table, once a
    /// second for the Orleans dashboard's metrics: at 1,000,000 that walk was 16–18 % of an idle silo's CPU and ~4 % of a
    /// busy one's under a CPU quota (bench/README). A grain past this many is looked up in the directory again when
    /// called, one message; OmniActors' hot path addresses queue partitions and intakes, not task grains.
    /// </summary>
    [Range(1_000, 10_000_000)] public int DirectoryCacheSize { get; set; } = 100_000;
}
