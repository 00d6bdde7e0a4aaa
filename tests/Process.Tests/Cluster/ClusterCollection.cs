namespace OmniActors.Tests.Cluster;

/// <summary>
/// The cluster tests run one after another: each runs two or three silos and a PostgreSQL server, and their timing
/// (leases, membership probes) would suffer from sharing a small machine with each other.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ClusterCollection
{
    public const string Name = "Cluster mode on a private PostgreSQL";
}
