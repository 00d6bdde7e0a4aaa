using System.Diagnostics.Metrics;
using OmniActors.Tasks;

namespace OmniActors.Tasks;

/// <summary>A lifecycle event as published: which task, what happened, at which attempt and when.</summary>
public sealed record TaskLifecycleEvent(string TaskId, string Queue, string Action, TaskEventType Type, int Attempt, DateTimeOffset At, string? Detail);

/// <summary>Where task grains publish their lifecycle events (notification, not truth: the task table is).</summary>
public interface ITaskEventSink
{
    /// <summary>Publishes the events of one transition, in order.</summary>
    void Publish(IReadOnlyList<TaskLifecycleEvent> events);
}

/// <summary>Counts lifecycle events as metrics (<c>omniactors.tasks.*</c>).</summary>
public sealed class TaskMetricsSink : ITaskEventSink, IDisposable
{
    private readonly Meter _meter = new("OmniActors.Tasks");
    private readonly Dictionary<TaskEventType, Counter<long>> _counters;

    /// <summary>Creates the counters.</summary>
    public TaskMetricsSink()
    {
        _counters = Enum.GetValues<TaskEventType>().ToDictionary(t => t,
            t => _meter.CreateCounter<long>($"omniactors.tasks.{t.ToString().ToLowerInvariant()}", description: $"Task lifecycle events of type {t}"));
    }

    /// <inheritdoc />
    public void Publish(IReadOnlyList<TaskLifecycleEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        foreach (var e in events)
        {
            _counters[e.Type].Add(1, new KeyValuePair<string, object?>("queue", e.Queue));
        }
    }

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}
