using Microsoft.Extensions.Options;
using OmniActors.Queues;
using OmniActors.Tasks;
using TaskStatus = OmniActors.Tasks.TaskStatus;

namespace OmniActors.Tests.Queues;

public sealed class WarmRowsTests
{
    private static TaskInfo Row(string id, string payload) => new()
    {
        Id = id, Queue = "q", Action = "noop", Payload = payload, Status = TaskStatus.Queued, Retry = RetryPolicy.Default, CreatedAt = DateTimeOffset.UnixEpoch,
        UpdatedAt = DateTimeOffset.UnixEpoch,
    };

    [Fact]
    public void A_row_is_sized_by_its_overhead_and_two_bytes_a_character_of_its_growing_strings()
    {
        var small = Row("t1", "{}");
        Assert.Equal(WarmRows.RowOverhead + 2 * (2 + 2), WarmRows.SizeOf(small));
        var big = small with { Payload = new string('x', 10_000), Result = "done", Dependents = ["child"] };
        Assert.Equal(WarmRows.RowOverhead + 2 * (2 + 10_000 + 4 + 5 + 8), WarmRows.SizeOf(big));
    }

    [Fact]
    public void The_budget_takes_only_what_fits_and_what_is_given_back_fits_again()
    {
        var rows = new WarmRows(Options.Create(new QueueOptions { WarmRowBytes = 1_000 }));
        Assert.True(rows.TryTake(600));
        Assert.False(rows.TryTake(401));
        Assert.Equal(600, rows.Held);
        Assert.True(rows.TryTake(400));
        Assert.False(rows.HasRoom);
        Assert.False(rows.TryTake(1));
        rows.Give(600);
        Assert.True(rows.HasRoom);
        Assert.True(rows.TryTake(600));
        Assert.Equal(1_000, rows.Held);
    }

    [Fact]
    public void Concurrent_takers_never_hold_more_than_the_budget()
    {
        var rows = new WarmRows(Options.Create(new QueueOptions { WarmRowBytes = 10_000 }));
        var taken = 0;
        Parallel.For(0, 1_000, _ =>
        {
            if (rows.TryTake(64))
            {
                Interlocked.Increment(ref taken);
            }
        });
        Assert.Equal(10_000 / 64, taken);
        Assert.Equal(taken * 64L, rows.Held);
    }

    [Fact]
    public void A_budget_of_zero_holds_nothing()
    {
        var rows = new WarmRows(Options.Create(new QueueOptions { WarmRowBytes = 0 }));
        Assert.False(rows.HasRoom);
        Assert.False(rows.TryTake(1));
    }
}
