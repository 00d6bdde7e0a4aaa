using OmniActors.Domain;
using OmniActors.Errors;
using OmniActors.Tasks;

namespace OmniActors.Tests.Domain;

/// <summary>Each bad input in a spec is refused with the right error code; a good spec passes.</summary>
public sealed class TaskSpecValidatorTests
{
    private static readonly DateTimeOffset Now = TaskStates.Now;
    private static readonly TaskLimits Limits = new();

    /// <summary>Every optional field set to a legal value, so each test can break exactly one.</summary>
    private static readonly TaskSpec Valid = new()
    {
        Action = "send-message",
        Payload = """{"to":"ada","body":"hi"}""",
        Queue = "mail",
        Priority = 10,
        Delay = TimeSpan.FromMinutes(5),
        IdempotencyKey = "order-17",
        Timeout = TimeSpan.FromMinutes(1),
        Retry = new RetryPolicy { MaxAttempts = 5, InitialDelay = TimeSpan.FromSeconds(2), MaxDelay = TimeSpan.FromMinutes(1), Multiplier = 2 },
        ResultTtl = TimeSpan.FromHours(1),
    };

    private static bool IsKnown(string action) => action is "send-message" or "resize-image";

    private static TaskValidationException? Validate(TaskSpec spec, TaskLimits? limits = null) =>
        TaskSpecValidator.Validate(spec, limits ?? Limits, IsKnown, Now);

    /// <summary>Asserts the code, and that the message names the field at fault (so the right rule fired).</summary>
    private static void AssertRefused(TaskSpec spec, string code, string mentions, TaskLimits? limits = null)
    {
        var error = Validate(spec, limits);

        Assert.NotNull(error);
        Assert.Equal(code, error.Code);
        Assert.Contains(mentions, error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_fully_valid_spec_passes()
    {
        Assert.Null(Validate(Valid));
    }

    [Fact]
    public void A_minimal_spec_passes()
    {
        Assert.Null(Validate(new TaskSpec { Action = "send-message" }));
    }

    [Fact]
    public void An_action_not_registered_on_the_cluster_is_an_unknown_action()
    {
        AssertRefused(Valid with { Action = "launch-rockets" }, ErrorCodes.UnknownAction, "launch-rockets");
    }

    [Theory]
    [InlineData("")]
    [InlineData("-send")]
    [InlineData("send message")]
    [InlineData("send/message")]
    public void A_malformed_action_name_is_a_validation_error(string action)
    {
        AssertRefused(Valid with { Action = action }, ErrorCodes.Validation, "action");
    }

    [Theory]
    [InlineData("")]
    [InlineData(".mail")]
    [InlineData("mail queue")]
    [InlineData("mail?")]
    public void A_malformed_queue_name_is_a_validation_error(string queue)
    {
        AssertRefused(Valid with { Queue = queue }, ErrorCodes.Validation, "queue");
    }

    [Fact]
    public void A_queue_name_longer_than_the_limit_is_a_validation_error()
    {
        AssertRefused(Valid with { Queue = new string('q', TaskLimits.MaxNameLength + 1) }, ErrorCodes.Validation, "queue");
    }

    [Theory]
    [InlineData(TaskLimits.MinPriority - 1)]
    [InlineData(TaskLimits.MaxPriority + 1)]
    [InlineData(int.MinValue)]
    [InlineData(int.MaxValue)]
    public void A_priority_out_of_range_is_a_validation_error(int priority)
    {
        AssertRefused(Valid with { Priority = priority }, ErrorCodes.Validation, "priority");
    }

    [Theory]
    [InlineData(TaskLimits.MinPriority)]
    [InlineData(0)]
    [InlineData(TaskLimits.MaxPriority)]
    public void A_priority_at_the_bounds_passes(int priority)
    {
        Assert.Null(Validate(Valid with { Priority = priority }));
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("not json")]
    [InlineData("{'to':'ada'}")]
    [InlineData("[1,]")]
    [InlineData("{\"a\":1} trailing")]
    public void A_payload_that_is_not_json_is_malformed(string payload)
    {
        AssertRefused(Valid with { Payload = payload }, ErrorCodes.MalformedPayload, "json");
    }

    [Theory]
    [InlineData("null")]
    [InlineData("42")]
    [InlineData("\"text\"")]
    [InlineData("[1, 2, 3]")]
    public void Any_json_value_is_an_acceptable_payload(string payload)
    {
        Assert.Null(Validate(Valid with { Payload = payload }));
    }

    [Fact]
    public void A_missing_payload_passes()
    {
        Assert.Null(Validate(Valid with { Payload = null }));
    }

    [Fact]
    public void A_payload_of_exactly_the_limit_passes_and_one_byte_more_is_too_large()
    {
        var limits = new TaskLimits { MaxPayloadBytes = 64 };
        var atLimit = JsonString(64);
        var overLimit = JsonString(65);
        Assert.Equal(64, System.Text.Encoding.UTF8.GetByteCount(atLimit));

        Assert.Null(Validate(Valid with { Payload = atLimit }, limits));
        AssertRefused(Valid with { Payload = overLimit }, ErrorCodes.PayloadTooLarge, "65", limits);
    }

    [Fact]
    public void The_default_payload_limit_is_256_KiB()
    {
        Assert.Null(Validate(Valid with { Payload = JsonString(256 * 1024) }));
        AssertRefused(Valid with { Payload = JsonString(256 * 1024 + 1) }, ErrorCodes.PayloadTooLarge, "payload");
    }

    [Fact]
    public void The_payload_limit_counts_utf8_bytes_not_characters()
    {
        var limits = new TaskLimits { MaxPayloadBytes = 64 };
        var accented = "\"" + new string('é', 32) + "\""; // 34 characters, 66 bytes

        AssertRefused(Valid with { Payload = accented }, ErrorCodes.PayloadTooLarge, "payload", limits);
    }

    [Fact]
    public void An_oversized_payload_is_too_large_even_when_it_is_also_malformed()
    {
        var limits = new TaskLimits { MaxPayloadBytes = 8 };

        AssertRefused(Valid with { Payload = "{{{{{{{{{" }, ErrorCodes.PayloadTooLarge, "payload", limits);
    }

    [Fact]
    public void A_negative_delay_is_a_validation_error()
    {
        AssertRefused(Valid with { Delay = TimeSpan.FromSeconds(-1) }, ErrorCodes.Validation, "delay");
    }

    [Fact]
    public void A_delay_beyond_the_limit_is_a_validation_error()
    {
        AssertRefused(Valid with { Delay = Limits.MaxDelay + TimeSpan.FromSeconds(1) }, ErrorCodes.Validation, "delay");
    }

    [Fact]
    public void A_zero_delay_passes()
    {
        Assert.Null(Validate(Valid with { Delay = TimeSpan.Zero }));
    }

    [Fact]
    public void Giving_both_run_at_and_delay_is_a_validation_error()
    {
        AssertRefused(Valid with { RunAt = Now.AddHours(1) }, ErrorCodes.Validation, "runAt");
    }

    [Fact]
    public void A_run_at_further_away_than_the_delay_limit_is_a_validation_error()
    {
        AssertRefused(Valid with { Delay = null, RunAt = Now + Limits.MaxDelay + TimeSpan.FromSeconds(1) }, ErrorCodes.Validation, "runAt");
    }

    [Fact]
    public void A_run_at_in_the_past_passes()
    {
        Assert.Null(Validate(Valid with { Delay = null, RunAt = Now.AddDays(-1) }));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void A_timeout_that_is_not_positive_is_a_validation_error(int seconds)
    {
        AssertRefused(Valid with { Timeout = TimeSpan.FromSeconds(seconds) }, ErrorCodes.Validation, "timeout");
    }

    [Fact]
    public void A_timeout_beyond_the_limit_is_a_validation_error()
    {
        AssertRefused(Valid with { Timeout = Limits.MaxTimeout + TimeSpan.FromTicks(1) }, ErrorCodes.Validation, "timeout");
    }

    [Fact]
    public void A_timeout_of_exactly_the_limit_passes()
    {
        Assert.Null(Validate(Valid with { Timeout = Limits.MaxTimeout }));
    }

    [Fact]
    public void A_negative_result_ttl_is_a_validation_error()
    {
        AssertRefused(Valid with { ResultTtl = TimeSpan.FromSeconds(-1) }, ErrorCodes.Validation, "ttl");
    }

    [Fact]
    public void An_empty_idempotency_key_is_a_validation_error()
    {
        AssertRefused(Valid with { IdempotencyKey = "" }, ErrorCodes.Validation, "idempotency key");
    }

    [Fact]
    public void An_idempotency_key_longer_than_the_limit_is_a_validation_error()
    {
        var key = new string('k', TaskIds.MaxIdempotencyKeyLength + 1);

        AssertRefused(Valid with { IdempotencyKey = key }, ErrorCodes.Validation, "idempotency key");
    }

    [Fact]
    public void An_idempotency_key_of_exactly_the_limit_passes()
    {
        Assert.Null(Validate(Valid with { IdempotencyKey = new string('k', TaskIds.MaxIdempotencyKeyLength) }));
    }

    public static TheoryData<string, RetryPolicy, string> BadRetryPolicies => new()
    {
        { "no attempts", new RetryPolicy { MaxAttempts = 0 }, "maxAttempts" },
        { "negative attempts", new RetryPolicy { MaxAttempts = -1 }, "maxAttempts" },
        { "more attempts than the limit", new RetryPolicy { MaxAttempts = 101 }, "maxAttempts" },
        { "negative initial delay", new RetryPolicy { InitialDelay = TimeSpan.FromSeconds(-1) }, "delay" },
        { "cap below the initial delay", new RetryPolicy { InitialDelay = TimeSpan.FromMinutes(2), MaxDelay = TimeSpan.FromMinutes(1) }, "delay" },
        { "cap beyond the delay limit", new RetryPolicy { MaxDelay = TimeSpan.FromDays(367) }, "delay" },
        { "shrinking multiplier", new RetryPolicy { Multiplier = 0.5 }, "multiplier" },
        { "multiplier above ten", new RetryPolicy { Multiplier = 10.5 }, "multiplier" },
        { "NaN multiplier", new RetryPolicy { Multiplier = double.NaN }, "multiplier" },
        { "infinite multiplier", new RetryPolicy { Multiplier = double.PositiveInfinity }, "multiplier" },
    };

    [Theory]
    [MemberData(nameof(BadRetryPolicies))]
    public void A_bad_retry_policy_is_a_validation_error(string why, RetryPolicy retry, string mentions)
    {
        var spec = Valid with { Retry = retry };
        Assert.True(Validate(spec) is not null, $"a retry policy with {why} was accepted");
        AssertRefused(spec, ErrorCodes.Validation, mentions);
    }

    public static TheoryData<string, RetryPolicy> BoundaryRetryPolicies => new()
    {
        { "a single attempt", new RetryPolicy { MaxAttempts = 1 } },
        { "the most attempts allowed", new RetryPolicy { MaxAttempts = 100 } },
        { "no backoff at all", new RetryPolicy { InitialDelay = TimeSpan.Zero, MaxDelay = TimeSpan.Zero } },
        { "a flat backoff", new RetryPolicy { Multiplier = 1 } },
        { "the steepest backoff", new RetryPolicy { Multiplier = 10 } },
        { "a cap at the delay limit", new RetryPolicy { MaxDelay = TimeSpan.FromDays(366) } },
    };

    [Theory]
    [MemberData(nameof(BoundaryRetryPolicies))]
    public void A_retry_policy_at_the_bounds_passes(string why, RetryPolicy retry)
    {
        var error = Validate(Valid with { Retry = retry });

        Assert.True(error is null, $"a retry policy with {why} was refused: {error?.Message}");
    }

    [Theory]
    [InlineData("a")]
    [InlineData("7")]
    [InlineData("send-message")]
    [InlineData("Billing.Invoice_v2:send-1")]
    public void Names_of_ascii_letters_digits_and_separators_are_valid(string name)
    {
        Assert.True(TaskSpecValidator.IsValidName(name));
    }

    [Fact]
    public void A_name_of_exactly_the_maximum_length_is_valid_and_one_longer_is_not()
    {
        Assert.True(TaskSpecValidator.IsValidName(new string('a', TaskLimits.MaxNameLength)));
        Assert.False(TaskSpecValidator.IsValidName(new string('a', TaskLimits.MaxNameLength + 1)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("-lead")]
    [InlineData(".lead")]
    [InlineData("_lead")]
    [InlineData(":lead")]
    [InlineData("has space")]
    [InlineData("slash/ed")]
    [InlineData("café")]
    [InlineData("tab\t")]
    public void Names_with_a_bad_start_or_character_are_invalid(string? name)
    {
        Assert.False(TaskSpecValidator.IsValidName(name));
    }

    /// <summary>A JSON string literal exactly <paramref name="bytes"/> UTF-8 bytes long (quotes included).</summary>
    private static string JsonString(int bytes) => "\"" + new string('a', bytes - 2) + "\"";
}
