using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OmniActors.Queues;
using OmniActors.Storage;
using OmniActors.Tasks;

namespace OmniActors.Hosting;

/// <summary>
/// At silo start, wakes every queue partition that holds pending or running tasks, so they reload from the
/// task table and resume at once (reminders are the slower safety net). Also sweeps expired results.
/// </summary>
internal sealed partial class TaskRecovery(
    ITaskStore store,
    IGrainFactory grains,
    IOptions<TaskOptions> options,
    TimeProvider time,
    ILogger<TaskRecovery> logger) : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task? _sweeper;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(TaskRecovery), ServiceLifecycleStage.Active + 1, OnStart, OnStop);

    private async Task OnStart(CancellationToken cancellationToken)
    {
        var partitions = await store.ActivePartitionsAsync(cancellationToken);
        await Task.WhenAll(partitions.Select(p => grains.GetGrain<IQueuePartitionGrain>(QueueTopology.PartitionKey(p.Queue, p.Partition)).Wake()));
        LogWoke(partitions.Count);
        _sweeper = Task.Run(() => SweepResultsAsync(_stopping.Token), CancellationToken.None);
    }

    private async Task OnStop(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_sweeper is { } sweeper)
        {
            await sweeper.ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private async Task SweepResultsAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.Value.ResultSweepInterval, time);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            try
            {
                int cleared;
                do
                {
                    cleared = await store.ClearExpiredResultsAsync(time.GetUtcNow(), 1000, cancellationToken);
                }
                while (cleared == 1000);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogSweepFailed(ex);
            }
        }
    }

    public void Dispose() => _stopping.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "Recovery: woke {Count} queue partitions with pending or running tasks")]
    private partial void LogWoke(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Result sweep failed; it runs again at the next interval")]
    private partial void LogSweepFailed(Exception exception);
}
