using OmniActors.Breakers;
using OmniActors.Domain.Breakers;
using OmniActors.Tests.Domain;

namespace OmniActors.Tests.Workflows;

/// <summary>The circuit breaker's rules: open after N failures in a row, hold during the cool-down, one half-open probe decides.</summary>
public sealed class CircuitBreakerTests
{
    private static readonly DateTimeOffset Now = TaskStates.Now;
    private static readonly BreakerSettings Three = new() { FailureThreshold = 3, CoolDown = TimeSpan.FromSeconds(30), HalfOpenRetry = TimeSpan.FromSeconds(1) };

    private static BreakerState Fail(BreakerState s, int times)
    {
        for (var i = 0; i < times; i++)
        {
            s = CircuitBreaker.Report(s, Three, $"t{i}", BreakerOutcome.Failed, Now);
        }
        return s;
    }

    private static readonly BreakerState OpenState = new() { Status = BreakerStatus.Open, ConsecutiveFailures = 3, OpenUntil = Now.AddSeconds(30), TimesOpened = 1 };
    private static readonly BreakerState Probing = new() { Status = BreakerStatus.HalfOpen, ConsecutiveFailures = 3, ProbeTaskId = "probe", ProbeStartedAt = Now, TimesOpened = 1 };

    [Theory]
    [InlineData(1, BreakerStatus.Closed)]
    [InlineData(2, BreakerStatus.Closed)]
    [InlineData(3, BreakerStatus.Open)]
    public void It_opens_after_the_threshold_of_consecutive_failures(int failures, BreakerStatus expected)
    {
        var s = Fail(new BreakerState(), failures);

        Assert.Equal(expected, s.Status);
        Assert.Equal(expected == BreakerStatus.Open ? Now + Three.CoolDown : null, s.OpenUntil);
    }

    [Fact]
    public void A_success_resets_the_count()
    {
        var s = CircuitBreaker.Report(Fail(new BreakerState(), 2), Three, "ok", BreakerOutcome.Succeeded, Now);
        s = Fail(s, 2);

        Assert.Equal((BreakerStatus.Closed, 2), (s.Status, s.ConsecutiveFailures));
    }

    public static TheoryData<string, BreakerState, string, DateTimeOffset, bool, BreakerStatus, DateTimeOffset?> Acquires => new()
    {
        // name, state, task, at, allowed, status after, retry at
        { "closed lets all run", new BreakerState(), "t", Now, true, BreakerStatus.Closed, null },
        { "open holds until the cool-down ends", OpenState, "t", Now.AddSeconds(10), false, BreakerStatus.Open, Now.AddSeconds(30) },
        { "after the cool-down the first asker probes", OpenState, "t", Now.AddSeconds(30), true, BreakerStatus.HalfOpen, null },
        { "half-open holds the others briefly", Probing, "other", Now.AddSeconds(5), false, BreakerStatus.HalfOpen, Now.AddSeconds(6) },
        { "the probe may ask again", Probing, "probe", Now.AddSeconds(5), true, BreakerStatus.HalfOpen, null },
        { "a lost probe is replaced", Probing, "other", Now.AddMinutes(11), true, BreakerStatus.HalfOpen, null },
    };

    [Theory]
    [MemberData(nameof(Acquires))]
    public void Acquire_follows_the_state(string name, BreakerState state, string task, DateTimeOffset at, bool allowed, BreakerStatus after, DateTimeOffset? retryAt)
    {
        var (next, permit) = CircuitBreaker.Acquire(state, Three, task, at);

        Assert.True(allowed == permit.Allowed, name);
        Assert.Equal(after, next.Status);
        Assert.Equal(retryAt, permit.RetryAt);
    }

    public static TheoryData<string, BreakerState, string, BreakerOutcome, BreakerStatus> Reports => new()
    {
        { "probe success closes", Probing, "probe", BreakerOutcome.Succeeded, BreakerStatus.Closed },
        { "probe failure reopens", Probing, "probe", BreakerOutcome.Failed, BreakerStatus.Open },
        { "abandoned probe lets the next asker probe", Probing, "probe", BreakerOutcome.Abandoned, BreakerStatus.Open },
        { "another task's report does not decide", Probing, "old", BreakerOutcome.Succeeded, BreakerStatus.HalfOpen },
        { "late reports while open change nothing", OpenState, "old", BreakerOutcome.Succeeded, BreakerStatus.Open },
    };

    [Theory]
    [MemberData(nameof(Reports))]
    public void Reports_while_half_open_or_open(string name, BreakerState state, string task, BreakerOutcome outcome, BreakerStatus expected)
    {
        Assert.True(expected == CircuitBreaker.Report(state, Three, task, outcome, Now).Status, name);
    }

    [Fact]
    public void A_reopened_breaker_counts_and_waits_a_new_cool_down()
    {
        var s = CircuitBreaker.Report(Probing, Three, "probe", BreakerOutcome.Failed, Now.AddSeconds(40));

        Assert.Equal((2L, Now.AddSeconds(70)), (s.TimesOpened, s.OpenUntil));
        Assert.Equal(0, CircuitBreaker.Report(Probing, Three, "probe", BreakerOutcome.Succeeded, Now).ConsecutiveFailures);
    }

    [Fact]
    public void A_disabled_breaker_never_holds()
    {
        var off = new BreakerSettings { FailureThreshold = 0 };
        var s = new BreakerState();
        for (var i = 0; i < 10; i++)
        {
            s = CircuitBreaker.Report(s, off, "t", BreakerOutcome.Failed, Now);
        }

        Assert.Equal(BreakerStatus.Closed, s.Status);
        Assert.True(CircuitBreaker.Acquire(OpenState, off, "t", Now).Permit.Allowed);
    }
}
