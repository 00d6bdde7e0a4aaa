using OmniActors.Tasks;

namespace OmniActors.Tests.Tasks;

/// <summary>An idempotency key names one task id; other ids are fresh.</summary>
public sealed class TaskIdsTests
{
    [Fact]
    public void The_same_idempotency_key_always_gives_the_same_id()
    {
        Assert.Equal(TaskIds.FromIdempotencyKey("order-17"), TaskIds.FromIdempotencyKey("order-17"));
    }

    [Theory]
    [InlineData("order-17", "order-18")]
    [InlineData("order-17", "Order-17")]
    [InlineData("order-17", "order-17 ")]
    [InlineData("a", "")]
    public void Different_idempotency_keys_give_different_ids(string key, string other)
    {
        Assert.NotEqual(TaskIds.FromIdempotencyKey(key), TaskIds.FromIdempotencyKey(other));
    }

    [Fact]
    public void Many_distinct_keys_give_as_many_distinct_ids()
    {
        var ids = Enumerable.Range(0, 10_000).Select(i => TaskIds.FromIdempotencyKey($"order-{i}")).ToHashSet();

        Assert.Equal(10_000, ids.Count);
    }

    [Fact]
    public void New_ids_are_unique()
    {
        var ids = Enumerable.Range(0, 10_000).Select(_ => TaskIds.New()).ToHashSet();

        Assert.Equal(10_000, ids.Count);
    }

    [Fact]
    public void A_key_derived_id_never_looks_like_a_new_id()
    {
        // Distinct shapes mean a random id can never collide with a key's id.
        var fromKey = TaskIds.FromIdempotencyKey("order-17");
        var fresh = TaskIds.New();

        Assert.NotEqual(fromKey.Length, fresh.Length);
        Assert.All(new[] { fromKey, fresh }, id => Assert.Matches("^[a-z0-9]+$", id));
    }

    [Fact]
    public void A_spec_with_an_idempotency_key_gets_the_key_s_id()
    {
        var spec = new TaskSpec { Action = "send-message", IdempotencyKey = "order-17" };

        Assert.Equal(TaskIds.FromIdempotencyKey("order-17"), TaskIds.For(spec));
        Assert.Equal(TaskIds.For(spec), TaskIds.For(spec with { Payload = "42" }));
    }

    [Fact]
    public void A_spec_without_an_idempotency_key_gets_a_fresh_id_each_time()
    {
        var spec = new TaskSpec { Action = "send-message" };

        Assert.NotEqual(TaskIds.For(spec), TaskIds.For(spec));
    }

    [Fact]
    public void A_null_key_is_refused()
    {
        Assert.Throws<ArgumentNullException>(() => TaskIds.FromIdempotencyKey(null!));
    }
}
