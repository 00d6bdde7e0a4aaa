using Microsoft.Extensions.Options;
using OmniActors.Queues;

namespace OmniActors.Tasks;

/// <summary>
/// Gathers this silo's single enqueues per queue partition: at most <see cref="MaxInFlight"/> <c>Submit</c> calls in flight
/// per partition, and what arrives meanwhile goes to it as the next batch, in one message and one group of inserts. A
/// submit that finds its partition's lane with room is sent at once (no wait, no timer), so a lone enqueue pays nothing;
/// under load a partition takes a message per batch instead of one per task. Two in flight, not one, so a batch is
/// being stored while the next is committed (the group commit pipelines two) and a submit seldom waits for a whole
/// cycle: with one, the enqueue call's median at 2,000/s rose by 0.3 ms (bench/README). Results and failures go back to
/// each caller as if it had sent alone.
/// </summary>
internal sealed class PartitionSubmitLanes(IOptions<TaskOptions> options)
{
    /// <summary>Sends one batch to a partition (the intake's retrying send); answers per submission, in order.</summary>
    public delegate Task<IReadOnlyList<SubmitResult?>> Send(string queue, int partition, List<TaskSubmission> submissions);

    /// <summary>Batches a partition's lane has in flight at most.</summary>
    internal const int MaxInFlight = 2;

    private readonly int _maxBatch = options.Value.MaxBatchSize;
    private readonly Dictionary<(string Queue, int Partition), Lane> _lanes = [];
    private long _batches;
    private long _submissions;

    /// <summary>Batches sent so far (a batch is one partition call).</summary>
    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>Submissions sent so far, over all batches.</summary>
    public long Submissions => Interlocked.Read(ref _submissions);

    /// <summary>Partitions with submits in flight or waiting (an idle partition has no lane).</summary>
    public int Lanes
    {
        get
        {
            lock (_lanes)
            {
                return _lanes.Count;
            }
        }
    }

    /// <summary>Submits one task through its partition's lane; the partition's answer for it (null: not created there).</summary>
    public Task<SubmitResult?> SubmitAsync(string queue, int partition, TaskSubmission submission, Send send)
    {
        ArgumentNullException.ThrowIfNull(submission);
        ArgumentNullException.ThrowIfNull(send);
        var waiter = new TaskCompletionSource<SubmitResult?>(TaskCreationOptions.RunContinuationsAsynchronously);
        Lane lane;
        bool start;
        // One lock for the lanes and their state: a lane leaves the map in the same step that leaves it idle, so a
        // submit either finds a lane that will drain what it adds or makes a new one, never adds to a forgotten one.
        lock (_lanes)
        {
            if (!_lanes.TryGetValue((queue, partition), out lane!))
            {
                _lanes[(queue, partition)] = lane = new Lane(queue, partition);
            }
            lane.Pending.Add((submission, waiter));
            start = lane.InFlight < MaxInFlight;
            if (start)
            {
                lane.InFlight++;
            }
        }
        if (start)
        {
            _ = DrainAsync(lane, send);
        }
        return waiter.Task;
    }

    /// <summary>Sends the lane's pending submissions batch after batch until none is left. Continues off the caller's
    /// grain context (the intake holds no state), so a batch never waits for an intake activation's turn.</summary>
    private async Task DrainAsync(Lane lane, Send send)
    {
        while (true)
        {
            List<(TaskSubmission Submission, TaskCompletionSource<SubmitResult?> Waiter)> batch;
            lock (_lanes)
            {
                if (lane.Pending.Count == 0)
                {
                    // The last batch of an idle lane: the lane goes, so a silo that has seen many queues keeps lanes
                    // only for those with submits in flight (a lone enqueue makes and drops one).
                    if (--lane.InFlight == 0)
                    {
                        _lanes.Remove((lane.Queue, lane.Partition));
                    }
                    return;
                }
                if (lane.Pending.Count <= _maxBatch)
                {
                    batch = lane.Pending;
                    lane.Pending = [];
                }
                else
                {
                    batch = lane.Pending.GetRange(0, _maxBatch);
                    lane.Pending.RemoveRange(0, _maxBatch);
                }
            }
            Interlocked.Increment(ref _batches);
            Interlocked.Add(ref _submissions, batch.Count);
            try
            {
                var results = await send(lane.Queue, lane.Partition, batch.ConvertAll(b => b.Submission)).ConfigureAwait(false);
                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Waiter.TrySetResult(results[i]);
                }
            }
            catch (Exception ex)
            {
                foreach (var (_, waiter) in batch)
                {
                    waiter.TrySetException(ex);
                }
            }
        }
    }

    private sealed class Lane(string queue, int partition)
    {
        public string Queue { get; } = queue;
        public int Partition { get; } = partition;
        public List<(TaskSubmission Submission, TaskCompletionSource<SubmitResult?> Waiter)> Pending { get; set; } = [];
        public int InFlight { get; set; }
    }
}
