using System.Diagnostics.Metrics;
using OmniActors.Tasks;

namespace OmniActors.Tasks;

/// <summary>
/// A lifecycle event as published: which task, what happened, at which attempt and when. <paramref name="Elapsed"/>
/// is the wait since the task became runnable (on <see cref="TaskEventType.Executing"/>) or the attempt's run time
/// (on <see cref="TaskEventType.Complete"/> and <see cref="TaskEventType.Error"/>); null otherwise. <paramref name="Silo"/> is
/// the silo whose grain recorded it.
/// </summary>
public sealed record TaskLifecycleEvent(string TaskId, string Queue, string Action, TaskEventType Type, int Attempt, DateTimeOffset At, string? Detail,
    TimeSpan? Elapsed = null, string? Silo = null)
{
    /// <summary>The <see cref="Elapsed"/> of an event of <paramref name="type"/>, from the state before the transition.</summary>
    public static TimeSpan? ElapsedFor(TaskEventType type, TaskInfo? before, DateTimeOffset now) => (type, before) switch
    {
        // Runnable since its due time (delayed, retried) or since it was last queued (created, requeued, interrupted).
        (TaskEventType.Executing, { } b) => NonNegative(now - (b.DueAt ?? b.UpdatedAt)),
        (TaskEventType.Complete or TaskEventType.Error, { Status: TaskStatus.Running, StartedAt: { } started }) => NonNegative(now - started),
        _ => null,
    };

    private static TimeSpan NonNegative(TimeSpan span) => span < TimeSpan.Zero ? TimeSpan.Zero : span;
}

/// <summary>Where task grains publish their lifecycle events (notification, not truth: the task table is).</summary>
public interface ITaskEventSink
{
    /// <summary>Publishes the events of one transition, in order.</summary>
    void Publish(IReadOnlyList<TaskLifecycleEvent> events);
}

/// <summary>
/// Every registered <see cref="ITaskEventSink"/> (metrics, the lifecycle streams, ...), called in registration order.
/// Task grains take this one; a sink is added with <c>services.AddSingleton&lt;ITaskEventSink, MySink&gt;()</c>. A sink that
/// throws does not keep the others from their events: publishing is notification, the transition is already stored.
/// </summary>
public sealed class TaskEventSinks(IEnumerable<ITaskEventSink> sinks)
{
    private readonly ITaskEventSink[] _sinks = sinks.ToArray();

    /// <summary>Publishes the events of one transition to every sink.</summary>
    public void Publish(IReadOnlyList<TaskLifecycleEvent> events)
    {
        foreach (var sink in _sinks)
        {
            try
            {
                sink.Publish(events);
            }
#pragma warning disable CA1031 // A notification sink's failure must not fail a transition that is already committed.
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }
    }
}

/// <summary>
/// Counts lifecycle events as metrics (<c>omniactors.tasks.*</c>, in Prometheus <c>omniactors_tasks_enqueued_total</c>…)
/// and records the enqueue-to-start wait and run-time histograms, all tagged with the queue.
/// </summary>
public sealed class TaskMetricsSink : ITaskEventSink
{
    /// <summary>The meter's name, to enable in an exporter.</summary>
    public const string MeterName = "OmniActors.Tasks";

    // Milliseconds, from a fast handler to tasks that sat in a backlog for an hour.
    private static readonly double[] DurationBuckets = [1, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 300_000, 900_000, 3_600_000];

    // From the host's IMeterFactory, not `new Meter`: a meter scoped to its container is only seen by that host's
    // exporter, so several silos in one process (tests) neither mix their figures nor end each other's streams.
    private readonly Meter _meter;
    private readonly Dictionary<TaskEventType, Counter<long>> _counters;
    private readonly Histogram<double> _wait;
    private readonly Histogram<double> _run;

    /// <summary>Creates the counters and histograms.</summary>
    public TaskMetricsSink(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _meter = meters.Create(MeterName);
        _counters = Enum.GetValues<TaskEventType>().ToDictionary(t => t,
            t => _meter.CreateCounter<long>($"omniactors.tasks.{t.ToString().ToLowerInvariant()}", description: $"Task lifecycle events of type {t}"));
        var advice = new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets };
        _wait = _meter.CreateHistogram("omniactors.tasks.wait.duration", "ms",
            "Time from a task becoming runnable (enqueued or due) to its attempt starting", advice: advice);
        _run = _meter.CreateHistogram("omniactors.tasks.run.duration", "ms",
            "Run time of an attempt, from start to success or failure", advice: advice);
    }

    /// <inheritdoc />
    public void Publish(IReadOnlyList<TaskLifecycleEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        foreach (var e in events)
        {
            var queue = new KeyValuePair<string, object?>("queue", e.Queue);
            _counters[e.Type].Add(1, queue);
            switch (e)
            {
                case { Type: TaskEventType.Executing, Elapsed: { } wait }:
                    _wait.Record(wait.TotalMilliseconds, queue);
                    break;
                case { Type: TaskEventType.Complete or TaskEventType.Error, Elapsed: { } run }:
                    _run.Record(run.TotalMilliseconds, queue,
                        new KeyValuePair<string, object?>("outcome", e.Type == TaskEventType.Complete ? "succeeded" : "failed"));
                    break;
            }
        }
    }
}
