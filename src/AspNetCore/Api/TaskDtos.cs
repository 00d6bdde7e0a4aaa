using System.Text.Json;
using OmniActors.Errors;
using OmniActors.Tasks;

namespace OmniActors.Silo.Api;

/// <summary>Body of <c>POST /api/tasks</c>.</summary>
public sealed record EnqueueRequest
{
    /// <summary>Registered action name.</summary>
    public string? Action { get; init; }
    /// <summary>Any JSON value.</summary>
    public JsonElement? Payload { get; init; }
    /// <summary>Queue; <c>default</c> when omitted.</summary>
    public string? Queue { get; init; }
    /// <summary>Higher first.</summary>
    public int? Priority { get; init; }
    /// <summary>Run no earlier than this instant (ISO 8601).</summary>
    public DateTimeOffset? RunAt { get; init; }
    /// <summary>Run no earlier than this many seconds from now.</summary>
    public double? DelaySeconds { get; init; }
    /// <summary>Repeats with the same key return the same task.</summary>
    public string? IdempotencyKey { get; init; }
    /// <summary>Per-attempt timeout.</summary>
    public double? TimeoutSeconds { get; init; }
    /// <summary>Retry policy.</summary>
    public RetryRequest? Retry { get; init; }
    /// <summary>How long to keep the result.</summary>
    public double? ResultTtlSeconds { get; init; }
    /// <summary>Ids of tasks this one waits for.</summary>
    public IReadOnlyList<string>? DependsOn { get; init; }
    /// <summary>When it runs after its dependencies: <c>all_succeeded</c> (default), <c>any_failed</c>, <c>all_ended</c>.</summary>
    public DependencyCondition? RunWhen { get; init; }
    /// <summary>What a failed dependency does to it: <c>fail</c> (default) or <c>cancel</c>.</summary>
    public DependencyFailurePolicy? OnDependencyFailure { get; init; }
    /// <summary>Wait for a person's approval before running.</summary>
    public bool? RequiresApproval { get; init; }

    /// <summary>The spec this request asks for; <paramref name="headerKey"/> is the <c>Idempotency-Key</c> header.</summary>
    public TaskSpec ToSpec(string? headerKey)
    {
        if (string.IsNullOrWhiteSpace(Action))
        {
            throw new TaskValidationException("\"action\" is required.");
        }
        if (headerKey is not null && IdempotencyKey is not null && headerKey != IdempotencyKey)
        {
            throw new TaskValidationException("The Idempotency-Key header and the idempotencyKey field differ.");
        }
        return new TaskSpec
        {
            Action = Action,
            Payload = Payload is { ValueKind: not JsonValueKind.Undefined } p ? p.GetRawText() : null,
            Queue = Queue,
            Priority = Priority ?? 0,
            RunAt = RunAt,
            Delay = Seconds(DelaySeconds, "delaySeconds"),
            IdempotencyKey = IdempotencyKey ?? headerKey,
            Timeout = Seconds(TimeoutSeconds, "timeoutSeconds"),
            Retry = Retry?.ToPolicy(),
            ResultTtl = Seconds(ResultTtlSeconds, "resultTtlSeconds"),
            DependsOn = DependsOn is { Count: > 0 } ? DependsOn : null,
            RunWhen = RunWhen ?? default,
            OnDependencyFailure = OnDependencyFailure ?? default,
            RequiresApproval = RequiresApproval ?? false,
        };
    }

    internal static TimeSpan? Seconds(double? seconds, string field)
    {
        if (seconds is not { } s)
        {
            return null;
        }
        if (double.IsNaN(s) || Math.Abs(s) > TimeSpan.MaxValue.TotalSeconds / 2)
        {
            throw new TaskValidationException($"\"{field}\" is out of range.");
        }
        return TimeSpan.FromSeconds(s);
    }
}

/// <summary>A retry policy over HTTP.</summary>
public sealed record RetryRequest
{
    /// <summary>Total attempts.</summary>
    public int? MaxAttempts { get; init; }
    /// <summary>First backoff ceiling.</summary>
    public double? InitialDelaySeconds { get; init; }
    /// <summary>Backoff cap.</summary>
    public double? MaxDelaySeconds { get; init; }
    /// <summary>Growth factor.</summary>
    public double? Multiplier { get; init; }
    /// <summary>Error types that are not retried.</summary>
    public string[]? NonRetryableErrors { get; init; }

    /// <summary>The policy, defaults filled in.</summary>
    public RetryPolicy ToPolicy()
    {
        var d = RetryPolicy.Default;
        return new RetryPolicy
        {
            MaxAttempts = MaxAttempts ?? d.MaxAttempts,
            InitialDelay = EnqueueRequest.Seconds(InitialDelaySeconds, "retry.initialDelaySeconds") ?? d.InitialDelay,
            MaxDelay = EnqueueRequest.Seconds(MaxDelaySeconds, "retry.maxDelaySeconds") ?? d.MaxDelay,
            Multiplier = Multiplier ?? d.Multiplier,
            NonRetryableErrors = NonRetryableErrors ?? [],
        };
    }
}

/// <summary>Body of <c>POST /api/tasks/batch</c>.</summary>
public sealed record BatchRequest
{
    /// <summary>The tasks.</summary>
    public IReadOnlyList<EnqueueRequest>? Tasks { get; init; }
}

/// <summary>A task as the API shows it (payload and result as JSON, not strings).</summary>
public sealed record TaskDto
{
    public required string Id { get; init; }
    public required string Queue { get; init; }
    public required string Action { get; init; }
    public JsonElement Payload { get; init; }
    public int Priority { get; init; }
    public required string Status { get; init; }
    public int Attempt { get; init; }
    public int MaxAttempts { get; init; }
    public double TimeoutSeconds { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public DateTimeOffset? DueAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    public DateTimeOffset? LeaseExpiresAt { get; init; }
    public JsonElement? Result { get; init; }
    public DateTimeOffset? ResultExpiresAt { get; init; }
    public TaskError? LastError { get; init; }
    public string? IdempotencyKey { get; init; }
    public string? CancelReason { get; init; }
    public IReadOnlyList<string>? DependsOn { get; init; }
    public DependencyCondition? RunWhen { get; init; }
    public DependencyFailurePolicy? OnDependencyFailure { get; init; }
    public string? WorkflowId { get; init; }
    public string? WorkflowKey { get; init; }
    public bool RequiresApproval { get; init; }
    public IReadOnlyList<ApprovalDecision>? Approvals { get; init; }
    /// <summary>The W3C traceparent of the request that enqueued it (absent when that request was not traced).</summary>
    public string? TraceParent { get; init; }

    /// <summary>Maps a task.</summary>
    public static TaskDto From(TaskInfo t)
    {
        ArgumentNullException.ThrowIfNull(t);
        return new TaskDto
        {
            Id = t.Id,
            Queue = t.Queue,
            Action = t.Action,
            Payload = Json(t.Payload),
            Priority = t.Priority,
            Status = StatusName(t.Status),
            Attempt = t.Attempt,
            MaxAttempts = t.Retry.MaxAttempts,
            TimeoutSeconds = t.Timeout.TotalSeconds,
            CreatedAt = t.CreatedAt,
            UpdatedAt = t.UpdatedAt,
            DueAt = t.DueAt,
            StartedAt = t.StartedAt,
            FinishedAt = t.FinishedAt,
            LeaseExpiresAt = t.LeaseExpiresAt,
            Result = t.Result is null ? null : Json(t.Result),
            ResultExpiresAt = t.ResultExpiresAt,
            LastError = t.LastError,
            IdempotencyKey = t.IdempotencyKey,
            CancelReason = t.CancelReason,
            DependsOn = t.DependsOn.Count > 0 ? t.DependsOn : null,
            RunWhen = t.DependsOn.Count > 0 ? t.RunWhen : null,
            OnDependencyFailure = t.DependsOn.Count > 0 ? t.OnDependencyFailure : null,
            WorkflowId = t.WorkflowId,
            WorkflowKey = t.WorkflowKey,
            RequiresApproval = t.RequiresApproval,
            Approvals = t.Approvals.Count > 0 || t.RequiresApproval ? t.Approvals : null,
            TraceParent = t.TraceParent,
        };
    }

    /// <summary>The API's name of a status (snake case).</summary>
    public static string StatusName(Tasks.TaskStatus status) => JsonNamingPolicy.SnakeCaseLower.ConvertName(status.ToString());

    /// <summary>Parses an API status name.</summary>
    public static Tasks.TaskStatus? ParseStatus(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return null;
        }
        foreach (var s in Enum.GetValues<Tasks.TaskStatus>())
        {
            if (StatusName(s) == name)
            {
                return s;
            }
        }
        throw new TaskValidationException($"Unknown status '{name}'. Use one of: {string.Join(", ", Enum.GetValues<Tasks.TaskStatus>().Select(StatusName))}.");
    }

    private static JsonElement Json(string text)
    {
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.Clone();
    }
}

/// <summary>A page of tasks.</summary>
public sealed record TaskPageDto(IReadOnlyList<TaskDto> Items, string? NextCursor);

/// <summary>One item of a batch answer.</summary>
public sealed record BatchItemDto(TaskDto? Task, bool Created, ErrorDto? Error);

/// <summary>Why a batch item was refused.</summary>
public sealed record ErrorDto(string Code, string Message);

/// <summary>The answer of a bulk operation.</summary>
public sealed record CountDto(int Count);
