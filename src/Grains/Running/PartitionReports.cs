using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using OmniActors.Queues;
using OmniActors.Tasks;

namespace OmniActors.Running;

/// <summary>
/// Carries the outcomes of batch-path attempts back to the partitions that started them: one message a batch, not one a
/// task. Each partition has a lane with up to <see cref="MaxInFlight"/> reports in flight; while they are, the next
/// outcomes gather, so batches grow with load and a lone outcome leaves at once (the group-commit shape, for messages).
/// A report is answered once its outcomes are stored, and until then the runner keeps the attempt (a lease check finds
/// it running here); with one report in flight the next round's outcomes waited for the last round's commit, so the
/// commit never overlapped a run. A report is retried with backoff; one that never arrives is recovered by the task's
/// lease, at the cost of an attempt.
/// </summary>
internal sealed partial class PartitionReports(TaskGrainReferences references, TimeProvider time, ILogger<PartitionReports> logger)
{
    private const int MaxBatch = 512;
    private const int MaxTries = 8;

    /// <summary>Reports in flight to one partition, each waiting for its commit while the next rounds' outcomes go. Measured on
    /// SQLite's throughput bench: 2 gained nothing over 1 (10,646 / 12,589 against 10,413 / 11,319 tasks/s), 8 did
    /// (12,634 / 15,318 against 10,488 / 12,343).</summary>
    private const int MaxInFlight = 8;

    private readonly ConcurrentDictionary<string, Lane> _lanes = new(StringComparer.Ordinal);

    /// <summary>Sends <paramref name="outcome"/> of <paramref name="taskId"/> to <paramref name="partitionKey"/>; completes once delivered or given up.</summary>
    public Task ReportAsync(string partitionKey, string taskId, AttemptOutcome outcome)
    {
        var lane = _lanes.GetOrAdd(partitionKey, key => new Lane(key));
        var item = new Pending(new TaskOutcomeReport { TaskId = taskId, Outcome = outcome });
        bool start;
        lock (lane)
        {
            lane.Items.Add(item);
            start = lane.Sending < MaxInFlight;
            if (start)
            {
                lane.Sending++;
            }
        }
        if (start)
        {
            _ = SendAsync(lane);
        }
        return item.Done.Task;
    }

    private async Task SendAsync(Lane lane)
    {
        var (queue, index) = QueueTopology.ParsePartitionKey(lane.Key);
        var partition = references.Partition(queue, index);
        while (true)
        {
            List<Pending> batch;
            lock (lane)
            {
                if (lane.Items.Count == 0)
                {
                    lane.Sending--;
                    return;
                }
                var take = Math.Min(lane.Items.Count, MaxBatch);
                batch = lane.Items.GetRange(0, take);
                lane.Items.RemoveRange(0, take);
            }
            await DeliverAsync(partition, lane.Key, batch);
        }
    }

    private async Task DeliverAsync(IQueuePartitionGrain partition, string key, List<Pending> batch)
    {
        var reports = batch.Select(p => p.Report).ToList();
        var delay = TimeSpan.FromMilliseconds(100);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await partition.ReportOutcomes(reports);
                break;
            }
            catch (Exception ex) when (attempt < MaxTries)
            {
                LogRetry(ex, key, reports.Count, attempt);
                await Task.Delay(delay, time);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
            catch (Exception ex)
            {
                LogLost(ex, key, reports.Count);
                break;
            }
        }
        foreach (var p in batch)
        {
            p.Done.TrySetResult();
        }
    }

    private sealed class Lane(string key)
    {
        public string Key { get; } = key;
        public List<Pending> Items { get; } = [];
        /// <summary>Reports in flight.</summary>
        public int Sending { get; set; }
    }

    private sealed class Pending(TaskOutcomeReport report)
    {
        public TaskOutcomeReport Report { get; } = report;
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reporting {Count} outcomes to partition {Partition} failed (try {Try}); retrying")]
    private partial void LogRetry(Exception exception, string partition, int count, int @try);

    [LoggerMessage(Level = LogLevel.Error, Message = "Gave up reporting {Count} outcomes to partition {Partition}; their leases will expire and they will be retried")]
    private partial void LogLost(Exception exception, string partition, int count);
}
