namespace OmniActors.Domain;

/// <summary>
/// The longest value of every string OmniActors stores, in characters, in one place (the README's "Limits" table
/// lists them). A value over its limit is refused where it enters (400 <c>validation_failed</c>), never cut.
/// </summary>
public static class TextLimits
{
    /// <summary>Names: queues, actions, schedules, webhook providers and instances, workflow node keys (one syntax, see <see cref="TaskSpecValidator.IsValidName"/>).</summary>
    public const int Name = TaskLimits.MaxNameLength;

    /// <summary>Ids given by a client or echoed in a path: route ids, identity ids, dependencies.</summary>
    public const int Id = 128;

    /// <summary>A label a person reads: a route's name.</summary>
    public const int Label = 200;

    /// <summary>A webhook instance's secret or verify token (providers' own are at most 256).</summary>
    public const int Secret = 1024;

    /// <summary>A handle on a provider (a phone number, user id or user name) and a display name.</summary>
    public const int Handle = 256;

    /// <summary>A free-text reason (cancel) or comment, as <see cref="ApprovalRules.MaxCommentLength"/>.</summary>
    public const int Reason = ApprovalRules.MaxCommentLength;

    /// <summary>A route's event type or content type filter.</summary>
    public const int Filter = 100;

    /// <summary>A route's text prefix or regular expression.</summary>
    public const int Pattern = 1024;

    /// <summary>A route's payload template, in UTF-8 bytes.</summary>
    public const int TemplateBytes = 32 * 1024;

    /// <summary>Error types a retry policy names as not retryable, and the length of each.</summary>
    public const int MaxNonRetryableErrors = 50;

    /// <summary>Longest error type named in a retry policy.</summary>
    public const int ErrorType = 256;
}
