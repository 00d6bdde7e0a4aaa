using OmniActors.Queues;

namespace OmniActors.Tests.Queues;

/// <summary>A partition's in-memory index: what a peek shows and that it takes nothing away.</summary>
public sealed class ReadyQueueTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 0, 0, 0, TimeSpan.Zero);

    private static ReadyQueue With(params (string Id, int Priority)[] entries)
    {
        var queue = new ReadyQueue();
        foreach (var (id, priority) in entries)
        {
            queue.Add(new QueueEntry { TaskId = id, Priority = priority }, Now);
        }
        return queue;
    }

    private static List<string> Drain(ReadyQueue queue)
    {
        var ids = new List<string>();
        while (queue.TryDequeue(out var id))
        {
            ids.Add(id);
        }
        return ids;
    }

    [Fact]
    public void A_peek_shows_the_next_ids_in_dequeue_order_and_leaves_them_queued()
    {
        var queue = With(("a", 0), ("b", 5), ("c", 0), ("d", 10), ("e", 5), ("f", -1));

        var peeked = queue.Peek(4);

        Assert.Equal(["d", "b", "e", "a"], peeked);
        Assert.Equal(6, queue.ReadyCount);
        Assert.Equal(["d", "b", "e", "a", "c", "f"], Drain(queue));
    }

    [Fact]
    public void A_peek_skips_removed_and_replaced_entries_and_stops_at_the_end()
    {
        var queue = With(("a", 0), ("b", 0), ("c", 0), ("d", 0));
        queue.Remove("b");
        queue.Add(new QueueEntry { TaskId = "a", Priority = 0 }, Now); // re-added: now behind c and d

        Assert.Equal(["c", "d", "a"], queue.Peek(10));
        Assert.Equal(["c", "d", "a"], Drain(queue));
    }

    [Fact]
    public void A_peek_shows_no_task_that_is_not_due_yet()
    {
        var queue = With(("now", 0));
        queue.Add(new QueueEntry { TaskId = "later", Priority = 9, DueAt = Now.AddMinutes(1) }, Now);

        Assert.Equal(["now"], queue.Peek(10));
        Assert.Empty(new ReadyQueue().Peek(10));
        Assert.Empty(queue.Peek(0));
    }
}
