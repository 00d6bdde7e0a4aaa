using System.Collections;
using System.Collections.Concurrent;
using System.Data.Common;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OmniActors.Actions;
using OmniActors.Tests.Events;
using OmniActors.Tests.Storage;
using OmniActors.Tracing;
using OpenTelemetry.Trace;

namespace OmniActors.Tests.Tracing;

/// <summary>
/// The real silo app (event fabric settings: a Telegram instance) with tracing on by configuration, its spans caught by
/// OpenTelemetry's in-memory exporter. ActivityListeners are process-wide, so the exporter also sees spans of other test
/// silos running beside it: tests pick theirs by trace id or task id.
/// </summary>
public class TracingSilo(TempDatabase database) : EventFabricFactory(database)
{
    /// <summary>Every span this silo's tracer provider exported.</summary>
    public SpanCollection Spans { get; } = new();

    /// <summary>What the <c>test-trace</c> handler saw as its current Activity, per task.</summary>
    public TraceProbe Handler { get; } = new();

    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings =>
        base.ExtraSettings.Concat(new Dictionary<string, string?> { ["OmniActors:Telemetry:Tracing"] = "true" });

    protected override void ConfigureTestServices(IServiceCollection services)
    {
        base.ConfigureTestServices(services);
        services.AddSingleton(Handler);
        services.AddAction<TraceAction>("test-trace");
        services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(Spans));
    }
}

/// <summary>The tracing silo on an embedded SQLite file.</summary>
public sealed class SqliteTracingSilo() : TracingSilo(new TempSqliteFile());

[CollectionDefinition(Name)]
public sealed class TracingCollection : ICollectionFixture<SqliteTracingSilo>
{
    public const string Name = "tracing on sqlite";
}

/// <summary>One attempt as its handler saw it: the current Activity's ids and the silo it ran on.</summary>
public sealed record HandlerTrace(int Attempt, ActivityTraceId TraceId, ActivitySpanId SpanId, string Silo);

/// <summary>What <see cref="TraceAction"/> saw, per task id.</summary>
public sealed class TraceProbe
{
    public ConcurrentDictionary<string, ConcurrentQueue<HandlerTrace>> Seen { get; } = new();
}

/// <summary><c>test-trace</c>: records its current Activity; fails while the attempt is below <c>{"failUntil": n}</c>.</summary>
public sealed class TraceAction(TraceProbe probe) : IActionHandler
{
    public Task<JsonNode?> ExecuteAsync(ActionContext context)
    {
        var current = Activity.Current;
        probe.Seen.GetOrAdd(context.TaskId, _ => new()).Enqueue(
            new HandlerTrace(context.Attempt, current?.TraceId ?? default, current?.SpanId ?? default, context.Silo));
        var failUntil = context.PayloadNode?["failUntil"]?.GetValue<int>() ?? 0;
        return context.Attempt < failUntil
            ? throw new InvalidOperationException($"traced failure on attempt {context.Attempt}")
            : Task.FromResult<JsonNode?>(null);
    }
}

/// <summary>A thread-safe span collection for the in-memory exporter (it adds from the threads that stop Activities).</summary>
public sealed class SpanCollection : ICollection<Activity>
{
    private readonly List<Activity> _spans = [];

    public int Count
    {
        get
        {
            lock (_spans)
            {
                return _spans.Count;
            }
        }
    }

    public bool IsReadOnly => false;

    /// <summary>A copy of the spans exported so far.</summary>
    public IReadOnlyList<Activity> Snapshot()
    {
        lock (_spans)
        {
            return _spans.ToList();
        }
    }

    /// <summary>The attempt spans of a task, in attempt order.</summary>
    public IReadOnlyList<Activity> Attempts(string taskId) =>
        Snapshot().Where(a => a.OperationName == OmniActivities.AttemptName
                && (string?)a.GetTagItem(OmniActivities.Tags.TaskId) == taskId)
            .OrderBy(a => (int)a.GetTagItem(OmniActivities.Tags.Attempt)!).ToList();

    public void Add(Activity item)
    {
        lock (_spans)
        {
            _spans.Add(item);
        }
    }

    public void Clear()
    {
        lock (_spans)
        {
            _spans.Clear();
        }
    }

    public bool Contains(Activity item) => Snapshot().Contains(item);

    public void CopyTo(Activity[] array, int arrayIndex) => Snapshot().ToList().CopyTo(array, arrayIndex);

    public bool Remove(Activity item)
    {
        lock (_spans)
        {
            return _spans.Remove(item);
        }
    }

    public IEnumerator<Activity> GetEnumerator() => Snapshot().GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>
/// A second silo's view of a PostgreSQL database another fixture created: same connection string, nothing created or
/// dropped (the owner does both).
/// </summary>
public sealed class ClusterPeerDatabase(TempPostgresDatabase owner) : TempDatabase
{
    public TempPostgresDatabase Owner { get; } = owner;

    public override string ConnectionString => Owner.ConnectionString;

    public override string Dialect => Owner.Dialect;

    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;

    protected override async Task<DbConnection> OpenConnectionAsync() => await Owner.OpenAsync();
}
