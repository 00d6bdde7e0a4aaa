using System.Text.Json.Nodes;

namespace OmniActors.Actions;

/// <summary>User code that runs a task. Registered by name with <c>services.AddAction&lt;T&gt;("name")</c>.</summary>
public interface IActionHandler
{
    /// <summary>Runs one attempt. Return a JSON result (or null); throw to fail the attempt.</summary>
    Task<JsonNode?> ExecuteAsync(ActionContext context);
}

/// <summary>What a handler gets for one attempt.</summary>
public sealed class ActionContext
{
    private readonly Func<Task<bool>> _heartbeat;

    internal ActionContext(string taskId, string queue, string action, int attempt, string payload, string silo, Func<Task<bool>> heartbeat, CancellationToken cancellationToken)
    {
        TaskId = taskId;
        Queue = queue;
        Action = action;
        Attempt = attempt;
        Payload = payload;
        Silo = silo;
        CancellationToken = cancellationToken;
        _heartbeat = heartbeat;
    }

    /// <summary>The task id: with <see cref="Attempt"/> it lets a handler be idempotent under at-least-once delivery.</summary>
    public string TaskId { get; }
    /// <summary>The queue.</summary>
    public string Queue { get; }
    /// <summary>The action name.</summary>
    public string Action { get; }
    /// <summary>1 for the first attempt.</summary>
    public int Attempt { get; }
    /// <summary>The JSON payload text.</summary>
    public string Payload { get; }
    /// <summary>The silo running this attempt (its Orleans address).</summary>
    public string Silo { get; }
    /// <summary>Fires on cancellation, timeout or silo shutdown.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>How the tasks this one depends on ended, with their results (empty without dependencies).</summary>
    public IReadOnlyList<OmniActors.Tasks.DependencyResult> Dependencies { get; internal init; } = [];

    /// <summary>The JSON result of the dependency with this task id or workflow node key, or null.</summary>
    public JsonNode? DependencyResult(string taskIdOrKey) =>
        Dependencies.FirstOrDefault(d => d.TaskId == taskIdOrKey || d.WorkflowKey == taskIdOrKey)?.Result is { } json ? JsonNode.Parse(json) : null;

    /// <summary>The payload parsed as a JSON node.</summary>
    public JsonNode? PayloadNode => JsonNode.Parse(Payload);

    /// <summary>The payload deserialized.</summary>
    public T? PayloadAs<T>() => System.Text.Json.JsonSerializer.Deserialize<T>(Payload, ActionJson.Options);

    /// <summary>Extends the lease of a long attempt; false when the attempt is no longer current (cancelled, lost).</summary>
    public Task<bool> HeartbeatAsync() => _heartbeat();
}

/// <summary>Throw from a handler for a failure that retrying cannot fix: the task is dead-lettered at once.</summary>
public sealed class NonRetryableException : Exception
{
    /// <summary>Creates it.</summary>
    public NonRetryableException(string message) : base(message) { }
    /// <summary>Creates it with a cause.</summary>
    public NonRetryableException(string message, Exception? inner) : base(message, inner) { }
    /// <summary>Creates it.</summary>
    public NonRetryableException() : base("Permanent failure") { }
}

internal static class ActionJson
{
    public static readonly System.Text.Json.JsonSerializerOptions Options = new(System.Text.Json.JsonSerializerDefaults.Web);
}
