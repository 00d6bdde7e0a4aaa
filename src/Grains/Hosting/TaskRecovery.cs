using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OmniActors.Queues;
using OmniActors.Storage;
using OmniActors.Tasks;
using Orleans.Runtime;

namespace OmniActors.Hosting;

/// <summary>
/// At silo start, wakes every queue partition that holds pending or running tasks, so they reload from the
/// task table and resume at once (reminders are the slower safety net). Also sweeps expired results.
/// </summary>
internal sealed partial class TaskRecovery(
    ITaskStore store,
    IGrainFactory grains,
    IClusterMembershipService membership,
    ILocalSiloDetails silo,
    IOptions<TaskOptions> options,
    RetentionSweeper retention,
    TimeProvider time,
    ILogger<TaskRecovery> logger) : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task? _sweeper;
    private Task? _watcher;
    private Task? _dependencies;
    private Task? _retention;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(TaskRecovery), ServiceLifecycleStage.Active + 1, OnStart, OnStop);

    private async Task OnStart(CancellationToken cancellationToken)
    {
        await WakePartitionsAsync(cancellationToken);
        _sweeper = Task.Run(() => SweepResultsAsync(_stopping.Token), CancellationToken.None);
        _watcher = Task.Run(() => WatchMembershipAsync(_stopping.Token), CancellationToken.None);
        _dependencies = Task.Run(() => SweepWaitingTasksAsync(_stopping.Token), CancellationToken.None);
        _retention = Task.Run(() => SweepRetentionAsync(_stopping.Token), CancellationToken.None);
    }

    private Task SweepRetentionAsync(CancellationToken cancellationToken) =>
        PeriodicSweep.RunAsync(options.Value.RetentionSweepInterval, time, passAtStart: false, async token =>
        {
            var sweep = await retention.SweepOnceAsync(token);
            if (sweep.Deleted > 0 || sweep.LogDeleted > 0)
            {
                LogRetention(sweep.Deleted, sweep.Batches, sweep.LogDeleted);
            }
        }, LogRetentionFailed, cancellationToken);

    /// <summary>
    /// The safety net of dependencies: a dependency wakes its dependents when it ends, but that call is lost if its silo
    /// dies right then (or a dependent crashed before registering). So every waiting task is re-checked now and then:
    /// it registers with its dependencies again and reads how they stand.
    /// </summary>
    private Task SweepWaitingTasksAsync(CancellationToken cancellationToken) =>
        PeriodicSweep.RunAsync(options.Value.DependencySweepInterval, time, passAtStart: true, async token =>
        {
            string? after = null;
            while (true)
            {
                var ids = await store.ListIdsAsync(null, Tasks.TaskStatus.WaitingOnDependencies, 500, after, token);
                if (ids.Count == 0)
                {
                    break;
                }
                await Task.WhenAll(ids.Select(id => grains.GetGrain<ITaskGrain>(id).CheckDependencies(watch: true)));
                after = ids[^1];
            }
        }, LogDependencySweepFailed, cancellationToken);

    private async Task WakePartitionsAsync(CancellationToken cancellationToken)
    {
        var partitions = await store.ActivePartitionsAsync(cancellationToken);
        await Task.WhenAll(partitions.Select(p => grains.GetGrain<IQueuePartitionGrain>(QueueTopology.PartitionKey(p.Queue, p.Partition)).Wake()));
        LogWoke(partitions.Count);
    }

    /// <summary>
    /// When a silo dies, the partitions it hosted (and the tasks it ran) must not wait for a message, the one-minute
    /// reminder or the leases: the first survivor tells every partition with pending work, which reloads what the dead
    /// silo left and checks the leases of its running tasks at once (a lease held by a dead silo is expired and retried).
    /// </summary>
    private async Task WatchMembershipAsync(CancellationToken cancellationToken)
    {
        var dead = new HashSet<SiloAddress>();
        var active = new HashSet<SiloAddress>();
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(cancellationToken))
            {
                var nowActive = snapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.SiloAddress).ToHashSet();
                if (active.Count > 0 && nowActive.Except(active).Any())
                {
                    // A silo joined: partitions that now belong there move, so the new silo takes its share of the work. Every
                    // silo that sees the join asks (the new silo may be the first in order, and a partition only moves once).
                    await RebalanceAsync(cancellationToken);
                }
                active = nowActive;
                var newlyDead = snapshot.Members.Values
                    .Where(m => m.Status == SiloStatus.Dead && dead.Add(m.SiloAddress))
                    .ToList();
                if (newlyDead.Count == 0)
                {
                    continue;
                }
                LogSiloDied(string.Join(", ", newlyDead.Select(m => m.SiloAddress)));
                if (!IsFirstSurvivor(snapshot))
                {
                    // One survivor tells every partition; the others would only repeat it (the reminders stay the safety net).
                    continue;
                }
                try
                {
                    var gone = newlyDead.Select(m => m.SiloAddress.ToParsableString()).ToList();
                    var partitions = await store.ActivePartitionsAsync(cancellationToken);
                    await Task.WhenAll(partitions.Select(p => TellSilosDiedAsync(p.Queue, p.Partition, gone, cancellationToken)));
                    LogWoke(partitions.Count);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogWakeFailed(ex);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    /// <summary>Tells one partition, again a few times when the call fails (the partition may still be addressed at the dead silo
    /// for a moment): without it, that partition would wait for its reminder.</summary>
    private async Task TellSilosDiedAsync(string queue, int partition, IReadOnlyList<string> gone, CancellationToken cancellationToken)
    {
        var grain = grains.GetGrain<IQueuePartitionGrain>(QueueTopology.PartitionKey(queue, partition));
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await grain.SilosDied(gone);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException && attempt < 5)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), time, cancellationToken);
            }
        }
    }

    private async Task RebalanceAsync(CancellationToken cancellationToken)
    {
        try
        {
            var partitions = await store.ActivePartitionsAsync(cancellationToken);
            await Task.WhenAll(partitions.Select(p => grains.GetGrain<IQueuePartitionGrain>(QueueTopology.PartitionKey(p.Queue, p.Partition)).Rebalance()));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogRebalanceFailed(ex);
        }
    }

    /// <summary>Whether this silo is the active silo with the lowest address in <paramref name="snapshot"/>.</summary>
    private bool IsFirstSurvivor(ClusterMembershipSnapshot snapshot)
    {
        var first = snapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Active)
            .Select(m => m.SiloAddress)
            .OrderBy(a => a.ToParsableString(), StringComparer.Ordinal)
            .FirstOrDefault();
        return first is null || first.Equals(silo.SiloAddress);
    }

    private async Task OnStop(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        foreach (var background in new[] { _sweeper, _watcher, _dependencies, _retention })
        {
            if (background is not null)
            {
                await background.ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private Task SweepResultsAsync(CancellationToken cancellationToken) =>
        PeriodicSweep.RunAsync(options.Value.ResultSweepInterval, time, passAtStart: false, async token =>
        {
            int cleared;
            do
            {
                cleared = await store.ClearExpiredResultsAsync(time.GetUtcNow(), 1000, token);
            }
            while (cleared == 1000);
        }, LogSweepFailed, cancellationToken);

    public void Dispose() => _stopping.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "Recovery: woke {Count} queue partitions with pending or running tasks")]
    private partial void LogWoke(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Silos left the cluster ({Silos}): waking queue partitions to recover their work")]
    private partial void LogSiloDied(string silos);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Waking queue partitions after a silo died failed; their reminders will recover them")]
    private partial void LogWakeFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Moving queue partitions to a silo that joined failed; they stay where they are")]
    private partial void LogRebalanceFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention: deleted {Count} finished tasks in {Batches} batches and {LogRows} event-log rows")]
    private partial void LogRetention(int count, int batches, int logRows);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Retention cleanup failed; it runs again at the next interval")]
    private partial void LogRetentionFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dependency sweep failed; it runs again at the next interval")]
    private partial void LogDependencySweepFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Result sweep failed; it runs again at the next interval")]
    private partial void LogSweepFailed(Exception exception);
}
