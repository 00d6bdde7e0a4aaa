using Microsoft.Extensions.Options;
using OmniActors.Queues;
using OmniActors.Tasks;
using TaskStatus = OmniActors.Tasks.TaskStatus;

namespace OmniActors.Tests.Tasks;

/// <summary>Single enqueues gathered per partition: sent at once when the lane is idle, together when it is busy.</summary>
public sealed class PartitionSubmitLanesTests
{
    private static TaskSubmission Submission(string id) => new() { TaskId = id, Spec = new TaskSpec { Action = "noop" } };

    private static SubmitResult Created(string id) => new()
    {
        Created = true,
        Task = new TaskInfo
        {
            Id = id, Queue = "q", Action = "noop", Payload = "{}", Status = TaskStatus.Queued, Retry = RetryPolicy.Default,
            CreatedAt = DateTimeOffset.UnixEpoch, UpdatedAt = DateTimeOffset.UnixEpoch,
        },
    };

    /// <summary>A partition whose answers the test releases one batch at a time.</summary>
    private sealed class Partition
    {
        public List<(string Queue, int Partition, List<string> Ids, TaskCompletionSource<IReadOnlyList<SubmitResult?>> Answer)> Calls { get; } = [];

        public Task<IReadOnlyList<SubmitResult?>> Send(string queue, int partition, List<TaskSubmission> submissions)
        {
            var answer = new TaskCompletionSource<IReadOnlyList<SubmitResult?>>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (Calls)
            {
                Calls.Add((queue, partition, submissions.Select(s => s.TaskId).ToList(), answer));
            }
            return answer.Task;
        }

        public void Answer(int call, Func<string, SubmitResult?> result) => Calls[call].Answer.SetResult(Calls[call].Ids.Select(result).ToList());

        public async Task WaitForCalls(int count)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (true)
            {
                lock (Calls)
                {
                    if (Calls.Count >= count)
                    {
                        return;
                    }
                }
                Assert.True(DateTime.UtcNow < deadline, $"expected {count} partition calls");
                await Task.Yield();
            }
        }
    }

    private static PartitionSubmitLanes Lanes(int maxBatch = 1000) => new(Options.Create(new TaskOptions { MaxBatchSize = maxBatch }));

    [Fact]
    public async Task Submits_go_at_once_while_two_are_in_flight_and_those_arriving_meanwhile_go_together_each_answered_its_own()
    {
        var lanes = Lanes();
        var partition = new Partition();
        var first = lanes.SubmitAsync("q", 0, Submission("t0"), partition.Send);
        var second = lanes.SubmitAsync("q", 0, Submission("t1"), partition.Send);
        Assert.Equal([["t0"], ["t1"]], partition.Calls.Select(c => c.Ids));
        var rest = Enumerable.Range(2, 5).Select(i => lanes.SubmitAsync("q", 0, Submission("t" + i), partition.Send)).ToList();
        Assert.Equal(PartitionSubmitLanes.MaxInFlight, partition.Calls.Count);

        partition.Answer(0, Created);
        Assert.Equal("t0", (await first)!.Task.Id);
        await partition.WaitForCalls(3);
        Assert.Equal(["t2", "t3", "t4", "t5", "t6"], partition.Calls[2].Ids);
        // Not created there (an id that exists): null for that one only.
        partition.Answer(2, id => id == "t4" ? null : Created(id));
        var answers = await Task.WhenAll(rest);
        Assert.Equal(["t2", "t3", null, "t5", "t6"], answers.Select(a => a?.Task.Id));
        partition.Answer(1, Created);
        Assert.Equal("t1", (await second)!.Task.Id);
        Assert.Equal((3L, 7L), (lanes.Batches, lanes.Submissions));
    }

    [Fact]
    public async Task A_failed_batch_fails_only_its_callers_and_the_next_batch_still_goes()
    {
        var lanes = Lanes();
        var partition = new Partition();
        var failing = lanes.SubmitAsync("q", 1, Submission("a"), partition.Send);
        var busy = lanes.SubmitAsync("q", 1, Submission("b"), partition.Send);
        var next = lanes.SubmitAsync("q", 1, Submission("c"), partition.Send);
        partition.Calls[0].Answer.SetException(new TimeoutException("partition gone"));
        Assert.Equal("partition gone", (await Assert.ThrowsAsync<TimeoutException>(() => failing)).Message);
        await partition.WaitForCalls(3);
        Assert.Equal(["c"], partition.Calls[2].Ids);
        partition.Answer(2, Created);
        partition.Answer(1, Created);
        Assert.Equal(["b", "c"], (await Task.WhenAll(busy, next)).Select(a => a!.Task.Id));
    }

    [Fact]
    public async Task A_batch_holds_at_most_the_batch_size_and_partitions_have_lanes_of_their_own()
    {
        var lanes = Lanes(maxBatch: 3);
        var partition = new Partition();
        var waiting = Enumerable.Range(0, 9).Select(i => lanes.SubmitAsync("q", 2, Submission("p" + i), partition.Send)).ToList();
        // Another partition's lane is idle: its submit goes at once though partition 2's is full.
        var other = lanes.SubmitAsync("q", 3, Submission("x"), partition.Send);
        Assert.Equal([("q", 2), ("q", 2), ("q", 3)], partition.Calls.Select(c => (c.Queue, c.Partition)));
        partition.Answer(2, Created);
        Assert.Equal("x", (await other)!.Task.Id);

        partition.Answer(0, Created);
        await partition.WaitForCalls(4);
        Assert.Equal(["p2", "p3", "p4"], partition.Calls[3].Ids);
        partition.Answer(3, Created);
        await partition.WaitForCalls(5);
        Assert.Equal(["p5", "p6", "p7"], partition.Calls[4].Ids);
        partition.Answer(4, Created);
        await partition.WaitForCalls(6);
        Assert.Equal(["p8"], partition.Calls[5].Ids);
        partition.Answer(5, Created);
        partition.Answer(1, Created);
        Assert.Equal(Enumerable.Range(0, 9).Select(i => "p" + i), (await Task.WhenAll(waiting)).Select(a => a!.Task.Id));
    }

    [Fact]
    public async Task A_lane_lasts_while_its_partition_has_submits_in_flight_and_goes_when_they_are_answered()
    {
        var lanes = Lanes();
        var partition = new Partition();
        var q = Enumerable.Range(0, 3).Select(i => lanes.SubmitAsync("q", 0, Submission("q" + i), partition.Send)).ToList();
        var r = lanes.SubmitAsync("r", 1, Submission("r0"), partition.Send);
        Assert.Equal(2, lanes.Lanes);

        partition.Answer(2, Created);
        await r;
        await WaitForLanes(lanes, 1);
        // q's first answer sends its waiting submit: the lane stays.
        partition.Answer(0, Created);
        await partition.WaitForCalls(4);
        Assert.Equal(1, lanes.Lanes);
        partition.Answer(1, Created);
        partition.Answer(3, Created);
        await Task.WhenAll(q);
        await WaitForLanes(lanes, 0);

        // A partition seen again gets a new lane that works as the first did.
        var again = lanes.SubmitAsync("q", 0, Submission("q3"), partition.Send);
        Assert.Equal(1, lanes.Lanes);
        partition.Answer(4, Created);
        Assert.Equal("q3", (await again)!.Task.Id);
        await WaitForLanes(lanes, 0);
    }

    [Fact]
    public async Task Many_callers_on_both_cores_each_get_their_answer_never_more_than_two_calls_in_flight_a_partition_and_no_lane_is_left()
    {
        var lanes = Lanes(maxBatch: 7);
        var inFlight = new int[4];
        var most = new int[4];
        async Task<IReadOnlyList<SubmitResult?>> Send(string queue, int partition, List<TaskSubmission> submissions)
        {
            var busy = queue == "busy";
            if (busy)
            {
                InterlockedMax(ref most[partition], Interlocked.Increment(ref inFlight[partition]));
            }
            await Task.Yield();
            if (busy)
            {
                Interlocked.Decrement(ref inFlight[partition]);
            }
            return submissions.Select(s => (SubmitResult?)Created(s.TaskId)).ToList();
        }
        // Queue names that never repeat as well as a few busy partitions: a silo must not keep a lane for each.
        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(caller => Task.Run(async () =>
        {
            var ids = new List<string>();
            for (var i = 0; i < 500; i++)
            {
                var id = $"c{caller}-{i}";
                var queue = i % 5 == 0 ? $"once-{id}" : "busy";
                var answer = await lanes.SubmitAsync(queue, i % 4, Submission(id), Send);
                Assert.Equal(id, answer!.Task.Id);
                ids.Add(id);
            }
            return ids;
        })));

        Assert.Equal(8 * 500, answers.Sum(a => a.Count));
        Assert.Equal(8 * 500, lanes.Submissions);
        // Two lanes for one partition (a submit adding to a lane already dropped) would let more than two calls out.
        Assert.All(most, m => Assert.InRange(m, 1, PartitionSubmitLanes.MaxInFlight));
        await WaitForLanes(lanes, 0);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }

    /// <summary>Lanes are dropped by the drain that answered last, just after its callers are released: wait for it.</summary>
    private static async Task WaitForLanes(PartitionSubmitLanes lanes, int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (lanes.Lanes != count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"expected {count} lanes, {lanes.Lanes} left");
            await Task.Yield();
        }
    }
}
