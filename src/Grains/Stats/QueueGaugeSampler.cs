using System.Diagnostics.Metrics;
using OmniActors.Queues;

namespace OmniActors.Stats;

/// <summary>
/// Reads this silo's queue depth and running gauges (<see cref="QueueGauges"/>, which its partitions report to) on demand,
/// through a <see cref="MeterListener"/>: the gauges stay the one place partitions report to, and a sample never calls a grain.
/// Only the meter of this silo's <see cref="IMeterFactory"/> is read, so several silos in one process keep their own figures.
/// </summary>
public sealed class QueueGaugeSampler : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Lock _sync = new();
    private Dictionary<string, QueueSample> _sample = new(StringComparer.Ordinal);

    /// <summary>Listens to this silo's queue gauges.</summary>
    public QueueGaugeSampler(IMeterFactory meters)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == QueueGauges.MeterName && ReferenceEquals(instrument.Meter.Scope, meters))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<int>(OnMeasurement);
        _listener.Start();
    }

    /// <summary>The current depth (ready, scheduled) and running tasks of each queue with partitions on this silo.</summary>
    public IReadOnlyDictionary<string, QueueSample> Sample()
    {
        lock (_sync)
        {
            _sample = new Dictionary<string, QueueSample>(StringComparer.Ordinal);
            _listener.RecordObservableInstruments();
            return _sample;
        }
    }

    private void OnMeasurement(Instrument instrument, int value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        string? queue = null;
        string? kind = null;
        foreach (var tag in tags)
        {
            if (tag.Key == "queue")
            {
                queue = tag.Value as string;
            }
            else if (tag.Key == "state")
            {
                kind = tag.Value as string;
            }
        }
        if (queue is null)
        {
            return;
        }
        var current = _sample.GetValueOrDefault(queue);
        _sample[queue] = (instrument.Name, kind) switch
        {
            ("omniactors.queue.depth", "ready") => current with { Ready = value },
            ("omniactors.queue.depth", "scheduled") => current with { Scheduled = value },
            ("omniactors.queue.running", _) => current with { Running = value },
            _ => current,
        };
    }

    public void Dispose() => _listener.Dispose();
}

/// <summary>One queue's gauges on one silo at one moment.</summary>
public readonly record struct QueueSample(int Ready, int Scheduled, int Running);
