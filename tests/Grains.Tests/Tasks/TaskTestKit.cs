using Microsoft.Extensions.DependencyInjection;
using OmniActors.Client;
using OmniActors.Queues;
using OmniActors.Tasks;
using OmniActors.Tests.Support;

namespace OmniActors.Tests.Tasks;

/// <summary>Small helpers shared by the task grain tests.</summary>
internal static class TaskTestKit
{
    /// <summary>Long enough for any test task here to end; a hang fails the test instead of the run.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    /// <summary>Retries that back off 50 to 200 ms, so a test with several attempts stays fast.</summary>
    public static RetryPolicy FastRetry(int maxAttempts, params string[] nonRetryable) => new()
    {
        MaxAttempts = maxAttempts,
        InitialDelay = TimeSpan.FromMilliseconds(50),
        MaxDelay = TimeSpan.FromMilliseconds(200),
        NonRetryableErrors = nonRetryable,
    };

    /// <summary>A queue name no other test uses (it gets the default concurrency of 16 over 4 partitions).</summary>
    public static string UniqueQueue(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N");

    /// <summary>How many times the handler of <paramref name="taskId"/> started.</summary>
    public static int ExecutionsOf(this TaskClusterFixture fixture, string taskId) => fixture.Probe.Executions.GetValueOrDefault(taskId);

    /// <summary>Asserts <paramref name="value"/> is there and returns it.</summary>
    public static T Present<T>(T? value) where T : class
    {
        Assert.NotNull(value);
        return value;
    }

    /// <summary>Fails unless <paramref name="condition"/> holds on every check for the whole <paramref name="period"/>
    /// (for "this must not happen" assertions; it never lets a race pass, it watches for a violation).</summary>
    public static async Task HoldsFor(TimeSpan period, Func<Task<bool>> condition, string what)
    {
        var end = DateTime.UtcNow + period;
        do
        {
            Assert.True(await condition(), $"Violated: {what}");
            await Task.Delay(25);
        }
        while (DateTime.UtcNow < end);
        Assert.True(await condition(), $"Violated: {what}");
    }

    /// <summary>Queue calls answer at once; a hang (a grain deadlock) fails in seconds instead of the 30 s call timeout.</summary>
    public static readonly TimeSpan QueueCallLimit = TimeSpan.FromSeconds(5);

    /// <summary>Fails when <paramref name="call"/> does not answer within <see cref="QueueCallLimit"/>.</summary>
    public static async Task<T> Promptly<T>(Task<T> call, string what)
    {
        try
        {
            return await call.WaitAsync(QueueCallLimit);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"{what} did not answer within {QueueCallLimit.TotalSeconds} s");
            throw;
        }
    }

    /// <summary>Fails when <paramref name="call"/> does not answer within <see cref="QueueCallLimit"/>.</summary>
    public static async Task Promptly(Task call, string what)
    {
        try
        {
            await call.WaitAsync(QueueCallLimit);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"{what} did not answer within {QueueCallLimit.TotalSeconds} s");
            throw;
        }
    }

    /// <summary>Activates every partition of <paramref name="queue"/>, for tests about something other than activation.</summary>
    public static Task WakePartitions(this TaskClusterFixture fixture, string queue)
    {
        var partitions = fixture.Cluster.GetSiloServiceProvider().GetRequiredService<QueueTopology>().PartitionsOf(queue);
        return Promptly(Task.WhenAll(Enumerable.Range(0, partitions)
            .Select(i => fixture.Client.GetGrain<IQueuePartitionGrain>(QueueTopology.PartitionKey(queue, i)).Wake())), $"waking the partitions of {queue}");
    }

    /// <summary>Pauses a queue, failing fast if the call hangs.</summary>
    public static Task PauseQueue(this TaskClusterFixture fixture, string queue) =>
        Promptly(fixture.Omni.PauseQueueAsync(queue), $"pausing queue {queue}");

    /// <summary>Resumes a queue, failing fast if the call hangs.</summary>
    public static Task ResumeQueue(this TaskClusterFixture fixture, string queue) =>
        Promptly(fixture.Omni.ResumeQueueAsync(queue), $"resuming queue {queue}");

    /// <summary>A queue's figures, failing fast if the call hangs.</summary>
    public static Task<QueueStats> Stats(this TaskClusterFixture fixture, string queue) =>
        Promptly(fixture.Omni.GetQueueStatsAsync(queue), $"the stats of queue {queue}");

    /// <summary>Waits until the task ends and checks it ended in <paramref name="expected"/>.</summary>
    public static async Task<TaskInfo> EndsAs(this IOmniClient omni, string taskId, OmniActors.Tasks.TaskStatus expected)
    {
        var task = await omni.WaitAsync(taskId, Deadline);
        Assert.True(task.Status == expected,
            $"Task {taskId} is {task.Status}, expected {expected} (attempt {task.Attempt}, last error {task.LastError?.Type}: {task.LastError?.Message}).");
        return task;
    }
}
