using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using OmniActors.Actions;

namespace OmniActors.Tests.Support;

/// <summary>
/// What the test handlers saw, shared by the handlers and the tests (one silo, one process).
/// Tests key everything by their own queue names or task ids, so they do not see each other.
/// </summary>
public sealed class Probe
{
    private readonly ConcurrentDictionary<string, int> _runningByQueue = new();
    private readonly ConcurrentDictionary<string, int> _maxByQueue = new();

    /// <summary>Task ids in the order their handler started, per queue.</summary>
    public ConcurrentDictionary<string, ConcurrentQueue<string>> Started { get; } = new();

    /// <summary>Executions per task id (at-least-once re-runs show as counts above 1).</summary>
    public ConcurrentDictionary<string, int> Executions { get; } = new();

    /// <summary>Gates that "block" handlers wait on, by task id (or queue).</summary>
    public ConcurrentDictionary<string, TaskCompletionSource> Gates { get; } = new();

    /// <summary>Tasks whose handler observed its cancellation token fire.</summary>
    public ConcurrentDictionary<string, bool> SawCancellation { get; } = new();

    /// <summary>The most handlers that ran at once in a queue, as measured by the handlers.</summary>
    public int MaxConcurrent(string queue) => _maxByQueue.GetValueOrDefault(queue);

    public TaskCompletionSource Gate(string key) =>
        Gates.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    internal IDisposable Enter(ActionContext context)
    {
        Started.GetOrAdd(context.Queue, _ => new ConcurrentQueue<string>()).Enqueue(context.TaskId);
        Executions.AddOrUpdate(context.TaskId, 1, (_, n) => n + 1);
        var now = _runningByQueue.AddOrUpdate(context.Queue, 1, (_, n) => n + 1);
        _maxByQueue.AddOrUpdate(context.Queue, now, (_, max) => Math.Max(max, now));
        return new Exit(() => _runningByQueue.AddOrUpdate(context.Queue, 0, (_, n) => n - 1));
    }

    private sealed class Exit(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}

/// <summary><c>test-record</c>: records the start, optionally waits <c>{"holdMs": n}</c>, returns the payload.</summary>
public sealed class RecordAction(Probe probe) : IActionHandler
{
    public async Task<JsonNode?> ExecuteAsync(ActionContext context)
    {
        using var _ = probe.Enter(context);
        if (context.PayloadNode?["holdMs"]?.GetValue<int>() is { } ms and > 0)
        {
            await Task.Delay(ms, context.CancellationToken);
        }
        return context.PayloadNode;
    }
}

/// <summary><c>test-block</c>: runs until the probe's gate for its task id opens, or its token fires.</summary>
public sealed class BlockAction(Probe probe) : IActionHandler
{
    public async Task<JsonNode?> ExecuteAsync(ActionContext context)
    {
        using var _ = probe.Enter(context);
        try
        {
            await probe.Gate(context.TaskId).Task.WaitAsync(context.CancellationToken);
        }
        catch (OperationCanceledException)
        {
            probe.SawCancellation[context.TaskId] = true;
            throw;
        }
        return new JsonObject { ["released"] = true };
    }
}

/// <summary><c>test-fail</c>: always throws <see cref="InvalidOperationException"/> (or <see cref="NonRetryableException"/> with <c>{"permanent": true}</c>).</summary>
public sealed class FailAction(Probe probe) : IActionHandler
{
    public Task<JsonNode?> ExecuteAsync(ActionContext context)
    {
        using var _ = probe.Enter(context);
        if (context.PayloadNode?["permanent"]?.GetValue<bool>() == true)
        {
            throw new NonRetryableException("permanent failure for tests");
        }
        throw new InvalidOperationException($"failure of attempt {context.Attempt}");
    }
}

/// <summary><c>test-flaky</c>: fails until attempt <c>{"succeedOn": n}</c>, then succeeds.</summary>
public sealed class FlakyAction(Probe probe) : IActionHandler
{
    public Task<JsonNode?> ExecuteAsync(ActionContext context)
    {
        using var _ = probe.Enter(context);
        var succeedOn = context.PayloadNode?["succeedOn"]?.GetValue<int>() ?? 2;
        return context.Attempt >= succeedOn
            ? Task.FromResult<JsonNode?>(new JsonObject { ["attempt"] = context.Attempt })
            : throw new InvalidOperationException($"flaky failure on attempt {context.Attempt}");
    }
}

/// <summary><c>test-ignore-cancel</c>: a handler that ignores its token and waits on its gate (timeouts must still end it).</summary>
public sealed class StubbornAction(Probe probe) : IActionHandler
{
    public async Task<JsonNode?> ExecuteAsync(ActionContext context)
    {
        using var _ = probe.Enter(context);
        await probe.Gate(context.TaskId).Task;
        return null;
    }
}

/// <summary><c>test-dependencies</c>: returns what it saw of its dependencies and its payload.</summary>
public sealed class DependenciesAction(Probe probe) : IActionHandler
{
    public Task<JsonNode?> ExecuteAsync(ActionContext context)
    {
        using var _ = probe.Enter(context);
        var seen = new JsonArray();
        foreach (var d in context.Dependencies)
        {
            seen.Add(new JsonObject
            {
                ["taskId"] = d.TaskId,
                ["key"] = d.WorkflowKey,
                ["status"] = d.Status.ToString(),
                ["result"] = d.Result is null ? null : JsonNode.Parse(d.Result),
            });
        }
        return Task.FromResult<JsonNode?>(new JsonObject { ["dependencies"] = seen, ["payload"] = context.PayloadNode });
    }
}

/// <summary><c>test-breaker</c> (breaker threshold 2, cool-down 2 s in the test settings): fails until the probe's
/// <see cref="HealthyGate"/> gate exists, then succeeds.</summary>
public sealed class BreakerAction(Probe probe) : IActionHandler
{
    public const string HealthyGate = "test-breaker:healthy";

    public Task<JsonNode?> ExecuteAsync(ActionContext context)
    {
        using var _ = probe.Enter(context);
        return probe.Gates.ContainsKey(HealthyGate)
            ? Task.FromResult<JsonNode?>(new JsonObject { ["ok"] = true })
            : throw new InvalidOperationException("downstream is down");
    }
}
