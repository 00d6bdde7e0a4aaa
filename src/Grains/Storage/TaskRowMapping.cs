using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using OmniActors.Tasks;
using TaskStatus = OmniActors.Tasks.TaskStatus;

namespace OmniActors.Storage;

/// <summary>How a <see cref="TaskInfo"/> maps to a row of <c>omni_tasks</c>, shared by every SQL dialect.</summary>
internal static class TaskRowMapping
{
    /// <summary>The columns in the order <see cref="Read"/> expects them.</summary>
    public const string Columns =
        "id, queue, partition, action, payload, priority, status, attempt, retry_policy, timeout_ms, result_ttl_ms, " +
        "created_at, updated_at, due_at, started_at, finished_at, lease_expires_at, lease_owner, result, " +
        "result_expires_at, last_error, idempotency_key, spec_hash, cancel_reason, version, " +
        "depends_on, run_when, on_dependency_failure, dependents, workflow_id, workflow_key, requires_approval, approvals, " +
        "trace_parent, trace_state";

    private static readonly (TaskStatus Status, string Name)[] StatusNames =
    [
        (TaskStatus.Scheduled, "scheduled"), (TaskStatus.Queued, "queued"), (TaskStatus.Running, "running"),
        (TaskStatus.Succeeded, "succeeded"), (TaskStatus.Retrying, "retrying"), (TaskStatus.DeadLettered, "dead_lettered"),
        (TaskStatus.Cancelled, "cancelled"), (TaskStatus.WaitingOnDependencies, "waiting"), (TaskStatus.AwaitingApproval, "awaiting_approval"),
        (TaskStatus.Rejected, "rejected"),
    ];

    public static string ToDb(TaskStatus status)
    {
        // Every write names its status: an array lookup, not a search with a closure.
        foreach (var (s, name) in StatusNames)
        {
            if (s == status)
            {
                return name;
            }
        }
        throw new ArgumentOutOfRangeException(nameof(status), status, "Not a task status.");
    }

    public static TaskStatus FromDb(string name)
    {
        foreach (var (status, s) in StatusNames)
        {
            if (string.Equals(s, name, StringComparison.Ordinal))
            {
                return status;
            }
        }
        throw new InvalidOperationException($"Unknown task status '{name}' in the task table.");
    }

    public static long ToMs(DateTimeOffset at) => at.ToUnixTimeMilliseconds();

    public static object Ms(DateTimeOffset? at) => at is { } a ? a.ToUnixTimeMilliseconds() : DBNull.Value;

    /// <summary>Binds every column as a parameter named <c>@column</c> (version as the new version): the insert's parameters.</summary>
    public static void BindInsert(Action<string, object> add, TaskInfo t, long newVersion)
    {
        ArgumentNullException.ThrowIfNull(add);
        ArgumentNullException.ThrowIfNull(t);
        add("@queue", t.Queue);
        add("@partition", t.Partition);
        add("@action", t.Action);
        add("@priority", t.Priority);
        add("@retry_policy", JsonSerializer.Serialize(t.Retry));
        add("@timeout_ms", (long)t.Timeout.TotalMilliseconds);
        add("@result_ttl_ms", (long)t.ResultTtl.TotalMilliseconds);
        add("@created_at", ToMs(t.CreatedAt));
        add("@idempotency_key", (object?)t.IdempotencyKey ?? DBNull.Value);
        add("@spec_hash", (object?)t.SpecHash ?? DBNull.Value);
        add("@depends_on", List(t.DependsOn));
        add("@run_when", t.RunWhen.ToString());
        add("@on_dependency_failure", t.OnDependencyFailure.ToString());
        add("@workflow_id", (object?)t.WorkflowId ?? DBNull.Value);
        add("@workflow_key", (object?)t.WorkflowKey ?? DBNull.Value);
        add("@trace_parent", (object?)t.TraceParent ?? DBNull.Value);
        add("@trace_state", (object?)t.TraceState ?? DBNull.Value);
        BindChanging(add, t, newVersion);
    }

    /// <summary>
    /// Binds the compare-and-set update's parameters: the columns a transition may change, the id and the expected version.
    /// The others are fixed when the task is created (see <c>TaskLifecycle</c>), so an update neither rewrites nor binds them.
    /// </summary>
    public static void BindUpdate(Action<string, object> add, TaskInfo t, long newVersion)
    {
        ArgumentNullException.ThrowIfNull(add);
        ArgumentNullException.ThrowIfNull(t);
        BindChanging(add, t, newVersion);
        add("@expected_version", t.Version);
    }

    private static void BindChanging(Action<string, object> add, TaskInfo t, long newVersion)
    {
        add("@id", t.Id);
        add("@payload", t.Payload);
        add("@status", ToDb(t.Status));
        add("@attempt", t.Attempt);
        add("@updated_at", ToMs(t.UpdatedAt));
        add("@due_at", Ms(t.DueAt));
        add("@started_at", Ms(t.StartedAt));
        add("@finished_at", Ms(t.FinishedAt));
        add("@lease_expires_at", Ms(t.LeaseExpiresAt));
        add("@lease_owner", (object?)t.LeaseOwner ?? DBNull.Value);
        add("@result", (object?)t.Result ?? DBNull.Value);
        add("@result_expires_at", Ms(t.ResultExpiresAt));
        add("@last_error", t.LastError is null ? DBNull.Value : JsonSerializer.Serialize(t.LastError));
        add("@cancel_reason", (object?)t.CancelReason ?? DBNull.Value);
        add("@version", newVersion);
        add("@dependents", List(t.Dependents));
        add("@requires_approval", t.RequiresApproval ? 1 : 0);
        add("@approvals", t.Approvals.Count == 0 ? DBNull.Value : JsonSerializer.Serialize(t.Approvals));
    }

    private static object List(IReadOnlyList<string> items) => items.Count == 0 ? DBNull.Value : JsonSerializer.Serialize(items);

    private static List<string> List(DbDataReader r, int i) =>
        r.NullableString(i) is { } json ? JsonSerializer.Deserialize<List<string>>(json) ?? [] : [];

    public static TaskInfo Read(DbDataReader r) => new()
    {
        Id = r.GetString(0),
        Queue = r.GetString(1),
        Partition = r.GetInt32(2),
        Action = r.GetString(3),
        Payload = r.GetString(4),
        Priority = r.GetInt32(5),
        Status = FromDb(r.GetString(6)),
        Attempt = r.GetInt32(7),
        Retry = JsonSerializer.Deserialize<RetryPolicy>(r.GetString(8)) ?? RetryPolicy.Default,
        Timeout = TimeSpan.FromMilliseconds(r.GetInt64(9)),
        ResultTtl = TimeSpan.FromMilliseconds(r.GetInt64(10)),
        CreatedAt = r.NullableTime(11)!.Value,
        UpdatedAt = r.NullableTime(12)!.Value,
        DueAt = r.NullableTime(13),
        StartedAt = r.NullableTime(14),
        FinishedAt = r.NullableTime(15),
        LeaseExpiresAt = r.NullableTime(16),
        LeaseOwner = r.NullableString(17),
        Result = r.NullableString(18),
        ResultExpiresAt = r.NullableTime(19),
        LastError = r.NullableString(20) is { } e ? JsonSerializer.Deserialize<TaskError>(e) : null,
        IdempotencyKey = r.NullableString(21),
        SpecHash = r.NullableString(22),
        CancelReason = r.NullableString(23),
        Version = r.GetInt64(24),
        DependsOn = List(r, 25),
        RunWhen = r.NullableString(26) is { } when ? Enum.Parse<DependencyCondition>(when) : default,
        OnDependencyFailure = r.NullableString(27) is { } policy ? Enum.Parse<DependencyFailurePolicy>(policy) : default,
        Dependents = List(r, 28),
        WorkflowId = r.NullableString(29),
        WorkflowKey = r.NullableString(30),
        RequiresApproval = !r.IsDBNull(31) && Convert.ToInt64(r.GetValue(31), CultureInfo.InvariantCulture) != 0,
        Approvals = r.NullableString(32) is { } approvals ? JsonSerializer.Deserialize<List<ApprovalDecision>>(approvals) ?? [] : [],
        TraceParent = r.NullableString(33),
        TraceState = r.NullableString(34),
    };

    public static void Add(DbCommand cmd, string name, object value)
    {
        var p = cmd.CreateParameter();
        p.ParameterName = name;
        p.Value = value;
        cmd.Parameters.Add(p);
    }

}
