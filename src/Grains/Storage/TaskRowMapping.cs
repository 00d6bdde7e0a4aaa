using System.Data.Common;
using System.Globalization;
using System.Text;
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
        "result_expires_at, last_error, idempotency_key, spec_hash, cancel_reason, version";

    private static readonly (TaskStatus Status, string Name)[] StatusNames =
    [
        (TaskStatus.Scheduled, "scheduled"), (TaskStatus.Queued, "queued"), (TaskStatus.Running, "running"),
        (TaskStatus.Succeeded, "succeeded"), (TaskStatus.Retrying, "retrying"), (TaskStatus.DeadLettered, "dead_lettered"),
        (TaskStatus.Cancelled, "cancelled"), (TaskStatus.WaitingOnDependencies, "waiting"), (TaskStatus.AwaitingApproval, "awaiting_approval"),
    ];

    public static string ToDb(TaskStatus status) => StatusNames.First(s => s.Status == status).Name;

    public static TaskStatus FromDb(string name) => StatusNames.First(s => s.Name == name).Status;

    public static long ToMs(DateTimeOffset at) => at.ToUnixTimeMilliseconds();

    public static object Ms(DateTimeOffset? at) => at is { } a ? a.ToUnixTimeMilliseconds() : DBNull.Value;

    /// <summary>Binds every column as a parameter named <c>@column</c> (version as the new version).</summary>
    public static void Bind(Action<string, object> add, TaskInfo t, long newVersion)
    {
        add("@id", t.Id);
        add("@queue", t.Queue);
        add("@partition", t.Partition);
        add("@action", t.Action);
        add("@payload", t.Payload);
        add("@priority", t.Priority);
        add("@status", ToDb(t.Status));
        add("@attempt", t.Attempt);
        add("@retry_policy", JsonSerializer.Serialize(t.Retry));
        add("@timeout_ms", (long)t.Timeout.TotalMilliseconds);
        add("@result_ttl_ms", (long)t.ResultTtl.TotalMilliseconds);
        add("@created_at", ToMs(t.CreatedAt));
        add("@updated_at", ToMs(t.UpdatedAt));
        add("@due_at", Ms(t.DueAt));
        add("@started_at", Ms(t.StartedAt));
        add("@finished_at", Ms(t.FinishedAt));
        add("@lease_expires_at", Ms(t.LeaseExpiresAt));
        add("@lease_owner", (object?)t.LeaseOwner ?? DBNull.Value);
        add("@result", (object?)t.Result ?? DBNull.Value);
        add("@result_expires_at", Ms(t.ResultExpiresAt));
        add("@last_error", t.LastError is null ? DBNull.Value : JsonSerializer.Serialize(t.LastError));
        add("@idempotency_key", (object?)t.IdempotencyKey ?? DBNull.Value);
        add("@spec_hash", (object?)t.SpecHash ?? DBNull.Value);
        add("@cancel_reason", (object?)t.CancelReason ?? DBNull.Value);
        add("@version", newVersion);
        add("@expected_version", t.Version);
    }

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
        CreatedAt = At(r, 11)!.Value,
        UpdatedAt = At(r, 12)!.Value,
        DueAt = At(r, 13),
        StartedAt = At(r, 14),
        FinishedAt = At(r, 15),
        LeaseExpiresAt = At(r, 16),
        LeaseOwner = Str(r, 17),
        Result = Str(r, 18),
        ResultExpiresAt = At(r, 19),
        LastError = Str(r, 20) is { } e ? JsonSerializer.Deserialize<TaskError>(e) : null,
        IdempotencyKey = Str(r, 21),
        SpecHash = Str(r, 22),
        CancelReason = Str(r, 23),
        Version = r.GetInt64(24),
    };

    public static void Add(DbCommand cmd, string name, object value)
    {
        var p = cmd.CreateParameter();
        p.ParameterName = name;
        p.Value = value;
        cmd.Parameters.Add(p);
    }

    /// <summary>An opaque keyset cursor for newest-first paging.</summary>
    public static string EncodeCursor(TaskInfo last) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{ToMs(last.CreatedAt)}:{last.Id}")));

    public static (long CreatedAt, string Id)? DecodeCursor(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return null;
        }
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(cursor));
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            return (long.Parse(text[..colon], CultureInfo.InvariantCulture), text[(colon + 1)..]);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentOutOfRangeException or OverflowException)
        {
            throw new Errors.TaskValidationException("The cursor is not one this API returned.");
        }
    }

    private static DateTimeOffset? At(DbDataReader r, int i) =>
        r.IsDBNull(i) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(i));

    private static string? Str(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
}
