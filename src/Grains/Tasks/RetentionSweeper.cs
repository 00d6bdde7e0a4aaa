using Microsoft.Extensions.Options;
using OmniActors.Lifecycle;
using OmniActors.Storage;

namespace OmniActors.Tasks;

/// <summary>What one retention sweep did: finished tasks deleted (in how many batches) and event-log rows deleted.</summary>
internal readonly record struct RetentionSweep(int Deleted, int Batches, int LogDeleted = 0);

/// <summary>
/// Deletes finished tasks past their retention, then event-log rows past theirs, in bounded batches with a pause between
/// them, so the cleanup of a large backlog never holds a table long enough to slow the queue. Runs on every silo; the
/// batches are idempotent.
/// </summary>
internal sealed class RetentionSweeper(
    ITaskStore store, EventLogStore log, IOptions<TaskOptions> options, IOptions<EventLogOptions> logOptions, TimeProvider time)
{
    /// <summary>Deletes everything due now, batch after batch.</summary>
    public async Task<RetentionSweep> SweepOnceAsync(CancellationToken cancellationToken = default)
    {
        var o = options.Value;
        var now = time.GetUtcNow();
        var (tasks, batches) = o.Retention > TimeSpan.Zero
            ? await DrainAsync(n => store.DeleteFinishedAsync(now - o.Retention, n, cancellationToken), cancellationToken)
            : default;
        var keepLog = logOptions.Value.Retention;
        var (logRows, _) = keepLog > TimeSpan.Zero
            ? await DrainAsync(n => log.DeleteBeforeAsync(now - keepLog, n, cancellationToken), cancellationToken)
            : default;
        return new RetentionSweep(tasks, batches, logRows);
    }

    /// <summary>Runs <paramref name="deleteBatch"/> until a batch comes back short, pausing between batches.</summary>
    private async Task<(int Deleted, int Batches)> DrainAsync(Func<int, Task<int>> deleteBatch, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var total = 0;
        var batches = 0;
        while (true)
        {
            var deleted = await deleteBatch(o.RetentionBatchSize);
            total += deleted;
            batches++;
            if (deleted < o.RetentionBatchSize)
            {
                return (total, batches);
            }
            await Task.Delay(o.RetentionBatchPause, time, cancellationToken);
        }
    }
}
