using Microsoft.Extensions.Options;
using OmniActors.Storage;

namespace OmniActors.Tasks;

/// <summary>What one retention sweep did.</summary>
internal readonly record struct RetentionSweep(int Deleted, int Batches);

/// <summary>
/// Deletes finished tasks past their retention, in bounded batches with a pause between them, so the cleanup of a
/// large backlog never holds the table long enough to slow the queue. Runs on every silo; the batches are idempotent.
/// </summary>
internal sealed class RetentionSweeper(ITaskStore store, IOptions<TaskOptions> options, TimeProvider time)
{
    /// <summary>Deletes everything due now, batch after batch.</summary>
    public async Task<RetentionSweep> SweepOnceAsync(CancellationToken cancellationToken = default)
    {
        var o = options.Value;
        if (o.Retention <= TimeSpan.Zero)
        {
            return default;
        }
        var before = time.GetUtcNow() - o.Retention;
        var total = 0;
        var batches = 0;
        while (true)
        {
            var deleted = await store.DeleteFinishedAsync(before, o.RetentionBatchSize, cancellationToken);
            total += deleted;
            batches++;
            if (deleted < o.RetentionBatchSize)
            {
                return new RetentionSweep(total, batches);
            }
            await Task.Delay(o.RetentionBatchPause, time, cancellationToken);
        }
    }
}
