using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using OmniActors.Errors;
using OmniActors.Tasks;

namespace OmniActors.Domain;

/// <summary>Checks a spec before anything is stored; the first problem found is returned.</summary>
public static class TaskSpecValidator
{
    /// <summary>Null when valid, else the error to return to the caller.</summary>
    public static TaskValidationException? Validate(TaskSpec spec, TaskLimits limits, Func<string, bool> isKnownAction, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(isKnownAction);

        if (!IsValidName(spec.Action))
        {
            return Invalid($"Action name '{spec.Action}' is invalid: 1 to {TaskLimits.MaxNameLength} characters of letters, digits, '.', '_', '-', ':', starting with a letter or digit.");
        }
        if (!isKnownAction(spec.Action))
        {
            return new TaskValidationException(ErrorCodes.UnknownAction, $"Action '{spec.Action}' is not registered on the cluster.");
        }
        if (spec.Queue is { } queue && !IsValidName(queue))
        {
            return Invalid($"Queue name '{queue}' is invalid: 1 to {TaskLimits.MaxNameLength} characters of letters, digits, '.', '_', '-', ':', starting with a letter or digit.");
        }
        if (spec.Priority is < TaskLimits.MinPriority or > TaskLimits.MaxPriority)
        {
            return Invalid($"Priority {spec.Priority} is out of range [{TaskLimits.MinPriority}, {TaskLimits.MaxPriority}].");
        }
        if (PayloadError(spec.Payload, limits) is { } payloadError)
        {
            return payloadError;
        }
        if (spec.RunAt is not null && spec.Delay is not null)
        {
            return Invalid("Give either runAt or delay, not both.");
        }
        if (spec.Delay is { } delay && (delay < TimeSpan.Zero || delay > limits.MaxDelay))
        {
            return Invalid($"delaySeconds {Seconds(delay)} is out of range [0, {Seconds(limits.MaxDelay)}].");
        }
        if (spec.RunAt is { } runAt && runAt - now > limits.MaxDelay)
        {
            return Invalid($"runAt {runAt:O} is more than {Seconds(limits.MaxDelay)} seconds away.");
        }
        if (spec.Timeout is { } timeout && (timeout <= TimeSpan.Zero || timeout > limits.MaxTimeout))
        {
            return Invalid($"timeoutSeconds {Seconds(timeout)} is out of range (0, {Seconds(limits.MaxTimeout)}].");
        }
        if (spec.ResultTtl is { } ttl && (ttl < TimeSpan.Zero || ttl > limits.MaxDelay))
        {
            return Invalid($"resultTtlSeconds {Seconds(ttl)} is out of range [0, {Seconds(limits.MaxDelay)}].");
        }
        if (spec.IdempotencyKey is { } key && (key.Length == 0 || key.Length > TaskIds.MaxIdempotencyKeyLength))
        {
            return Invalid($"Idempotency key must be 1 to {TaskIds.MaxIdempotencyKeyLength} characters.");
        }
        if (DependencyError(spec) is { } dependencyError)
        {
            return dependencyError;
        }
        if (TaskTrace.Problem(spec.TraceParent, spec.TraceState) is { } traceProblem)
        {
            return Invalid(traceProblem);
        }
        return spec.Retry is { } retry ? RetryError(retry, limits) : null;
    }

    /// <summary>Most dependencies one task may name.</summary>
    public const int MaxDependencies = 100;

    private static TaskValidationException? DependencyError(TaskSpec spec)
    {
        if (!Enum.IsDefined(spec.RunWhen) || !Enum.IsDefined(spec.OnDependencyFailure))
        {
            return Invalid("runWhen or onDependencyFailure has an unknown value.");
        }
        if (spec.DependsOn is not { } dependsOn)
        {
            return null;
        }
        if (dependsOn.Count > MaxDependencies)
        {
            return Invalid($"A task depends on at most {MaxDependencies} tasks; this one names {dependsOn.Count}.");
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in dependsOn)
        {
            if (string.IsNullOrWhiteSpace(id) || id.Length > 200)
            {
                return Invalid("A dependency is a task id of 1 to 200 characters.");
            }
            if (!seen.Add(id))
            {
                return Invalid($"Dependency {id} is named twice.");
            }
        }
        return null;
    }

    /// <summary>
    /// A fingerprint of everything in the spec but its idempotency key and trace context: a replay from another trace is
    /// the same submission.
    /// </summary>
    public static string Fingerprint(TaskSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var bytes = JsonSerializer.SerializeToUtf8Bytes(spec with { IdempotencyKey = null, TraceParent = null, TraceState = null }, FingerprintJson);
        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }

    // Fields added after the first release are left out while unset, so the fingerprints of tasks stored before
    // them stay what they were (a replay of an old idempotency key must still match).
    private static readonly string[] LaterFields =
        [nameof(TaskSpec.DependsOn), nameof(TaskSpec.RunWhen), nameof(TaskSpec.OnDependencyFailure), nameof(TaskSpec.RequiresApproval),
         nameof(TaskSpec.WorkflowId), nameof(TaskSpec.WorkflowKey), nameof(TaskSpec.TraceParent), nameof(TaskSpec.TraceState)];

    private static readonly JsonSerializerOptions FingerprintJson = new()
    {
        TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver
        {
            Modifiers =
            {
                info =>
                {
                    if (info.Type != typeof(TaskSpec))
                    {
                        return;
                    }
                    foreach (var property in info.Properties.Where(p => LaterFields.Contains(p.Name)))
                    {
                        property.ShouldSerialize = (_, value) => value switch
                        {
                            null => false,
                            bool b => b,
                            DependencyCondition c => c != default,
                            DependencyFailurePolicy f => f != default,
                            _ => true,
                        };
                    }
                },
            },
        },
    };

    /// <summary>True for a queue or action name we accept.</summary>
    public static bool IsValidName(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > TaskLimits.MaxNameLength || !char.IsAsciiLetterOrDigit(name[0]))
        {
            return false;
        }
        foreach (var ch in name)
        {
            if (!char.IsAsciiLetterOrDigit(ch) && ch is not ('.' or '_' or '-' or ':'))
            {
                return false;
            }
        }
        return true;
    }

    private static TaskValidationException? PayloadError(string? payload, TaskLimits limits)
    {
        if (payload is null)
        {
            return null;
        }
        var size = Encoding.UTF8.GetByteCount(payload);
        if (size > limits.MaxPayloadBytes)
        {
            return new TaskValidationException(ErrorCodes.PayloadTooLarge, $"Payload is {size} bytes; the limit is {limits.MaxPayloadBytes}.");
        }
        try
        {
            using var _ = JsonDocument.Parse(payload);
            return null;
        }
        catch (JsonException ex)
        {
            return new TaskValidationException(ErrorCodes.MalformedPayload, $"Payload is not valid JSON: {ex.Message}");
        }
    }

    private static TaskValidationException? RetryError(RetryPolicy retry, TaskLimits limits)
    {
        if (retry.MaxAttempts < 1 || retry.MaxAttempts > limits.MaxAttempts)
        {
            return Invalid($"maxAttempts {retry.MaxAttempts} is out of range [1, {limits.MaxAttempts}].");
        }
        if (retry.InitialDelay < TimeSpan.Zero || retry.MaxDelay < retry.InitialDelay || retry.MaxDelay > limits.MaxDelay)
        {
            return Invalid($"Retry delays must satisfy 0 <= initialDelaySeconds <= maxDelaySeconds <= {Seconds(limits.MaxDelay)}.");
        }
        if (double.IsNaN(retry.Multiplier) || retry.Multiplier < 1 || retry.Multiplier > 10)
        {
            return Invalid($"Retry multiplier {retry.Multiplier} is out of range [1, 10].");
        }
        if (retry.NonRetryableErrors.Count > TextLimits.MaxNonRetryableErrors
            || retry.NonRetryableErrors.Any(e => string.IsNullOrWhiteSpace(e) || e.Length > TextLimits.ErrorType))
        {
            return Invalid($"nonRetryableErrors holds at most {TextLimits.MaxNonRetryableErrors} error types of 1 to {TextLimits.ErrorType} characters.");
        }
        return null;
    }

    private static TaskValidationException Invalid(string message) => new(ErrorCodes.Validation, message);

    /// <summary>A duration as the API takes it: seconds (fractions kept to the millisecond).</summary>
    public static string Seconds(TimeSpan duration) => duration.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
}
