using OmniActors.Schedules;

namespace OmniActors.Domain.Schedules;

/// <summary>What a fire does about the previous fire's task.</summary>
public enum OverlapDecision
{
    /// <summary>Enqueue its task.</summary>
    Enqueue = 0,
    /// <summary>Record it as skipped.</summary>
    Skip = 1,
    /// <summary>Hold it until the previous task ends.</summary>
    Buffer = 2,
}

/// <summary>The overlap policy as a decision table.</summary>
public static class OverlapRules
{
    /// <summary>
    /// The decision for a fire when the previous fire's task is (<paramref name="previousActive"/>) or is not still
    /// pending or running, and a fire is (<paramref name="buffered"/>) or is not already held.
    /// </summary>
    public static OverlapDecision Decide(OverlapPolicy policy, bool previousActive, bool buffered) => policy switch
    {
        _ when !previousActive => OverlapDecision.Enqueue,
        OverlapPolicy.Allow => OverlapDecision.Enqueue,
        OverlapPolicy.BufferOne when !buffered => OverlapDecision.Buffer,
        _ => OverlapDecision.Skip,
    };
}
