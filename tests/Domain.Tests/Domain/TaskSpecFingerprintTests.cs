using OmniActors.Domain;
using OmniActors.Tasks;

namespace OmniActors.Tests.Domain;

/// <summary>The fingerprint tells a replay of a request from a conflicting reuse of its idempotency key.</summary>
public sealed class TaskSpecFingerprintTests
{
    // Built fresh each time, so equal fingerprints cannot come from sharing one instance.
    private static TaskSpec Spec(string? idempotencyKey = "order-17") => new()
    {
        Action = "send-message",
        Payload = """{"to":"ada"}""",
        Queue = "mail",
        Priority = 3,
        Delay = TimeSpan.FromMinutes(5),
        IdempotencyKey = idempotencyKey,
        Timeout = TimeSpan.FromMinutes(1),
        Retry = new RetryPolicy { MaxAttempts = 4, NonRetryableErrors = ["System.ArgumentException"] },
        ResultTtl = TimeSpan.FromHours(1),
    };

    [Fact]
    public void Equal_specs_have_equal_fingerprints()
    {
        Assert.Equal(TaskSpecValidator.Fingerprint(Spec()), TaskSpecValidator.Fingerprint(Spec()));
    }

    [Theory]
    [InlineData("order-18")]
    [InlineData(null)]
    public void The_idempotency_key_does_not_change_the_fingerprint(string? otherKey)
    {
        Assert.Equal(TaskSpecValidator.Fingerprint(Spec()), TaskSpecValidator.Fingerprint(Spec(otherKey)));
    }

    [Fact]
    public void The_trace_context_does_not_change_the_fingerprint_so_a_replay_from_another_trace_is_the_same_submission()
    {
        var traced = Spec() with { TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", TraceState = "vendor=1" };

        Assert.Equal(TaskSpecValidator.Fingerprint(Spec()), TaskSpecValidator.Fingerprint(traced));
    }

    [Fact]
    public void A_different_payload_changes_the_fingerprint()
    {
        var other = Spec() with { Payload = """{"to":"grace"}""" };

        Assert.NotEqual(TaskSpecValidator.Fingerprint(Spec()), TaskSpecValidator.Fingerprint(other));
    }

    public static TheoryData<string, TaskSpec> OtherDifferences => new()
    {
        { "action", Spec() with { Action = "resize-image" } },
        { "queue", Spec() with { Queue = "bulk" } },
        { "priority", Spec() with { Priority = 4 } },
        { "delay", Spec() with { Delay = TimeSpan.FromMinutes(6) } },
        { "timeout", Spec() with { Timeout = TimeSpan.FromMinutes(2) } },
        { "retry attempts", Spec() with { Retry = new RetryPolicy { MaxAttempts = 5, NonRetryableErrors = ["System.ArgumentException"] } } },
        { "non-retryable errors", Spec() with { Retry = new RetryPolicy { MaxAttempts = 4, NonRetryableErrors = ["System.FormatException"] } } },
        { "result ttl", Spec() with { ResultTtl = TimeSpan.FromHours(2) } },
    };

    [Theory]
    [MemberData(nameof(OtherDifferences))]
    public void Any_other_difference_changes_the_fingerprint(string field, TaskSpec other)
    {
        Assert.False(TaskSpecValidator.Fingerprint(Spec()) == TaskSpecValidator.Fingerprint(other), $"{field} did not change the fingerprint");
    }
}
