using OmniActors.Domain.Schedules;
using OmniActors.Schedules;

namespace OmniActors.Tests.Schedules;

/// <summary>The overlap policy as a decision table.</summary>
public sealed class OverlapRulesTests
{
    [Theory]
    [InlineData(OverlapPolicy.Skip, false, false, OverlapDecision.Enqueue)]
    [InlineData(OverlapPolicy.Skip, true, false, OverlapDecision.Skip)]
    [InlineData(OverlapPolicy.Allow, false, false, OverlapDecision.Enqueue)]
    [InlineData(OverlapPolicy.Allow, true, false, OverlapDecision.Enqueue)]
    [InlineData(OverlapPolicy.BufferOne, false, false, OverlapDecision.Enqueue)]
    [InlineData(OverlapPolicy.BufferOne, true, false, OverlapDecision.Buffer)]
    [InlineData(OverlapPolicy.BufferOne, true, true, OverlapDecision.Skip)]
    public void A_fire_enqueues_skips_or_waits_per_policy(OverlapPolicy policy, bool previousActive, bool buffered, OverlapDecision expected)
    {
        Assert.Equal(expected, OverlapRules.Decide(policy, previousActive, buffered));
    }
}
