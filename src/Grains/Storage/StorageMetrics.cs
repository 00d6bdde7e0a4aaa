using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using OmniActors.Webhooks;
using Orleans.Runtime;

namespace OmniActors.Storage;

/// <summary>
/// The group commits of this silo's stores as counters (<c>OmniActors.Storage</c> meter, tagged <c>store</c>: <c>tasks</c>
/// or <c>events</c>): transactions committed, rows written, the time spent committing and, on SQLite, flushes of the log after commit. Rows over
/// commits is the mean group size: how much each commit (a round trip and a flush) is shared. Read at scrape time
/// from the stores' own counts, so the write path pays nothing for them.
/// </summary>
public sealed class StorageMetrics : ILifecycleParticipant<ISiloLifecycle>
{
    /// <summary>The meter's name, to enable in an exporter.</summary>
    public const string MeterName = "OmniActors.Storage";

    private readonly IServiceProvider _services;

    /// <summary>Creates the counters; the stores are found when a scrape first reads them.</summary>
    public StorageMetrics(IMeterFactory meters, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _services = services;
        // From the host's IMeterFactory (as the task metrics): a meter scoped to its container is seen by that host's exporter only.
        var meter = meters.Create(MeterName);
        meter.CreateObservableCounter("omniactors.storage.commits", () => Observe(c => c.Commits),
            description: "Transactions committed by a store's group commit");
        meter.CreateObservableCounter("omniactors.storage.rows", () => Observe(c => c.Rows),
            description: "Writes committed by a store's group commit (rows or statements)");
        meter.CreateObservableCounter("omniactors.storage.flushes", () => Observe(c => c.Flushes),
            description: "Flushes of the SQLite log done after commit, beside the next one (0 when SQLite flushes inside each commit)");
        meter.CreateObservableCounter("omniactors.storage.commit_time", ObserveCommitTime, unit: "s",
            description: "Time a store's group commit spent committing (summed over its writers, flushes after commit apart): " +
                         "over wall time, how busy its writer is");
    }

    /// <summary>Nothing to do in the lifecycle: taking part makes the silo create the counters at start, before any scrape.</summary>
    public void Participate(ISiloLifecycle observer)
    {
    }

    private IEnumerable<Measurement<double>> ObserveCommitTime() =>
        ObserveStores(t => t.CommitTime.TotalSeconds, e => e.CommitTime.TotalSeconds);

    private IEnumerable<Measurement<long>> Observe(Func<(long Commits, long Rows, long Flushes), long> pick) =>
        ObserveStores(t => pick(t.WriteCounters), e => pick(e.WriteCounters));

    /// <summary>One measurement a store of this silo: the task store and the event store, tagged by <c>store</c>.</summary>
    private IEnumerable<Measurement<T>> ObserveStores<T>(Func<SqlTaskStore, T> tasks, Func<EventDatabase, T> events) where T : struct
    {
        if (_services.GetService<ITaskStore>() is SqlTaskStore taskStore)
        {
            yield return new Measurement<T>(tasks(taskStore), new KeyValuePair<string, object?>("store", "tasks"));
        }
        if (_services.GetService<EventDatabase>() is { } eventStore)
        {
            yield return new Measurement<T>(events(eventStore), new KeyValuePair<string, object?>("store", "events"));
        }
    }
}
