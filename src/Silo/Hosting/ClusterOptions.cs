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
}
