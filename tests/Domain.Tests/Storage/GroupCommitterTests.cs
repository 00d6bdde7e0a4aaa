using Microsoft.Extensions.Logging.Abstractions;
using OmniActors.Errors;
using OmniActors.Storage;
using TaskCommitter = OmniActors.Storage.GroupCommitter<OmniActors.Storage.PendingWrite, long>;

namespace OmniActors.Tests.Storage;

/// <summary>The group-commit loop, driven deterministically: a gate holds the first commit while writes pile up.</summary>
public sealed class GroupCommitterTests
{
    private static PendingWrite Write(int i) => new(WriteKind.Delete, $"t{i}", null, 1);

    /// <summary>A committer whose commits record their size and wait on a gate; the first commit signals when it started.</summary>
    private sealed class GatedCommitter : IAsyncDisposable
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _firstStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly List<int> _batches = [];

        public GatedCommitter(int maxBatch) => Committer = new TaskCommitter(async batch =>
        {
            lock (_batches)
            {
                _batches.Add(batch.Count);
            }
            _firstStarted.TrySetResult();
            await _gate.Task;
        }, maxBatch, NullLogger.Instance);

        public TaskCommitter Committer { get; }

        public IReadOnlyList<int> Batches => _batches;

        public Task FirstCommitStarted => _firstStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));

        public void Open() => _gate.SetResult();

        public ValueTask DisposeAsync() => Committer.DisposeAsync();
    }

    [Fact]
    public async Task Writes_that_arrive_during_a_commit_go_out_together_in_the_next_one()
    {
        await using var gated = new GatedCommitter(maxBatch: 512);
        var committer = gated.Committer;

        var first = committer.Enqueue(Write(0));
        await gated.FirstCommitStarted;
        var rest = Enumerable.Range(1, 100).Select(i => committer.Enqueue(Write(i))).ToList();
        Assert.False(first.IsCompleted, "a write must not complete before its commit");
        gated.Open();
        await Task.WhenAll(rest.Append(first)).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal([1, 100], gated.Batches);
        Assert.Equal(2, committer.Commits);
        Assert.Equal(101, committer.Rows);
    }

    [Fact]
    public async Task A_batch_never_exceeds_the_maximum()
    {
        await using var gated = new GatedCommitter(maxBatch: 10);
        var committer = gated.Committer;

        var writes = new List<Task<long>> { committer.Enqueue(Write(0)) };
        await gated.FirstCommitStarted;
        writes.AddRange(Enumerable.Range(1, 25).Select(i => committer.Enqueue(Write(i))));
        gated.Open();
        await Task.WhenAll(writes).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal([1, 10, 10, 5], gated.Batches);
    }

    [Fact]
    public async Task A_failed_commit_fails_every_write_in_it_with_a_storage_error_and_the_next_commit_still_runs()
    {
        var calls = 0;
        await using var committer = new TaskCommitter(_ =>
            Interlocked.Increment(ref calls) == 1 ? throw new InvalidOperationException("disk on fire") : Task.CompletedTask,
            maxBatch: 512, NullLogger.Instance);

        var failed = await Assert.ThrowsAsync<StorageUnavailableException>(() => committer.Enqueue(Write(0)));
        Assert.Contains("disk on fire", failed.Message, StringComparison.Ordinal);
        Assert.Equal(0, await committer.Enqueue(Write(1)));
    }

    [Fact]
    public async Task A_rejected_item_fails_alone_while_the_rest_of_its_batch_commits()
    {
        await using var committer = new TaskCommitter(batch =>
        {
            foreach (var w in batch)
            {
                w.NewVersion = 7;
                w.Rejection = w.Id == "t1" ? new ConflictException("version moved") : null;
            }
            return Task.CompletedTask;
        }, maxBatch: 512, NullLogger.Instance);

        var ok = committer.Enqueue(Write(0));
        var rejected = committer.Enqueue(Write(1));
        Assert.Equal(7, await ok);
        await Assert.ThrowsAsync<ConflictException>(() => rejected);
    }

    /// <summary>Waits for a condition with a deadline (the committer's loops run on their own).</summary>
    private static async Task Eventually(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}");
            await Task.Delay(5);
        }
    }

    [Fact]
    public async Task With_a_durability_step_a_write_completes_only_after_a_flush_begun_after_its_commit()
    {
        using var flushStarted = new SemaphoreSlim(0);
        using var release = new SemaphoreSlim(0);
        var committed = 0;
        var committedAtFlushStart = new List<int>();
        await using var committer = new TaskCommitter(batch =>
        {
            Interlocked.Add(ref committed, batch.Count);
            return Task.CompletedTask;
        }, maxBatch: 512, NullLogger.Instance, makeDurable: () =>
        {
            lock (committedAtFlushStart)
            {
                committedAtFlushStart.Add(Volatile.Read(ref committed));
            }
            flushStarted.Release();
            Assert.True(release.Wait(TimeSpan.FromSeconds(10)), "the test never released the flush");
        });

        var first = committer.Enqueue(Write(0));
        Assert.True(await flushStarted.WaitAsync(TimeSpan.FromSeconds(10)), "no flush began after the first commit");
        Assert.Equal(1, committer.Commits);
        Assert.False(first.IsCompleted, "a write must not complete before the flush that covers it ends");

        // The next batch commits while the first flush is still in flight: the disk and the writer overlap.
        var second = committer.Enqueue(Write(1));
        await Eventually(() => Volatile.Read(ref committed) == 2, "the second write committed during the first flush");
        Assert.False(second.IsCompleted, "a write committed after a flush began must wait for a later flush");

        release.Release();
        await first.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(await flushStarted.WaitAsync(TimeSpan.FromSeconds(10)), "no second flush for the write committed during the first");
        Assert.False(second.IsCompleted, "completed before the flush covering it ended");
        release.Release();
        await second.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(2, committer.Flushes);
        Assert.Equal([1, 2], committedAtFlushStart);
    }

    [Fact]
    public async Task With_a_durability_step_at_most_two_batches_wait_between_commit_and_completion()
    {
        using var release = new SemaphoreSlim(0);
        var committed = 0;
        var flushing = 0;
        await using var committer = new TaskCommitter(batch =>
        {
            Interlocked.Add(ref committed, batch.Count);
            return Task.CompletedTask;
        }, maxBatch: 1, NullLogger.Instance, makeDurable: () =>
        {
            Interlocked.Increment(ref flushing);
            Assert.True(release.Wait(TimeSpan.FromSeconds(10)), "the test never released the flush");
        });

        // Batches of one: the first is flushed, the second committed behind it, the rest must wait for the disk.
        var writes = Enumerable.Range(0, 6).Select(i => committer.Enqueue(Write(i))).ToList();
        await Eventually(() => Volatile.Read(ref flushing) == 1 && Volatile.Read(ref committed) >= 2, "two batches committed");
        var committedWhileHeld = Volatile.Read(ref committed);

        release.Release(100);
        await Task.WhenAll(writes).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(2, committedWhileHeld);
        Assert.Equal(6, committer.Commits);
    }

    [Fact]
    public async Task A_failed_flush_fails_the_writes_it_covered_and_the_committer_refuses_every_later_write()
    {
        var commits = 0;
        await using var committer = new TaskCommitter(_ =>
        {
            Interlocked.Increment(ref commits);
            return Task.CompletedTask;
        }, maxBatch: 512, NullLogger.Instance, makeDurable: () => throw new IOException("fdatasync: EIO"));

        var failed = await Assert.ThrowsAsync<StorageUnavailableException>(() => committer.Enqueue(Write(0)));
        Assert.Contains("EIO", failed.Message, StringComparison.Ordinal);
        Assert.Contains("restarts", failed.Message, StringComparison.Ordinal);

        // After a failed flush the kernel may have dropped pages: nothing more is written, nothing more is acknowledged.
        var later = await Assert.ThrowsAsync<StorageUnavailableException>(() => committer.Enqueue(Write(1)));
        Assert.Same(failed, later);
        Assert.Equal(1, Volatile.Read(ref commits));
        Assert.Equal(0, committer.Flushes);
    }

    [Fact]
    public async Task With_a_durability_step_a_rejected_item_still_fails_alone_and_a_failed_commit_is_not_flushed()
    {
        var calls = 0;
        var flushes = 0;
        await using var committer = new TaskCommitter(batch =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                throw new InvalidOperationException("database is locked");
            }
            foreach (var w in batch)
            {
                w.NewVersion = 3;
                w.Rejection = w.Id == "t2" ? new ConflictException("version moved") : null;
            }
            return Task.CompletedTask;
        }, maxBatch: 512, NullLogger.Instance, makeDurable: () => Interlocked.Increment(ref flushes));

        var lost = await Assert.ThrowsAsync<StorageUnavailableException>(() => committer.Enqueue(Write(0)));
        Assert.Contains("database is locked", lost.Message, StringComparison.Ordinal);
        Assert.Equal(0, Volatile.Read(ref flushes));

        var ok = committer.Enqueue(Write(1));
        var rejected = committer.Enqueue(Write(2));
        Assert.Equal(3, await ok);
        await Assert.ThrowsAsync<ConflictException>(() => rejected);
        Assert.InRange(Volatile.Read(ref flushes), 1, 2);
    }

    [Fact]
    public async Task With_two_writers_a_write_is_committed_while_the_other_writer_waits_on_its_commit()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var firstStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var commits = 0;
        await using var committer = new TaskCommitter(async batch =>
        {
            if (Interlocked.Increment(ref commits) == 1)
            {
                firstStarted.SetResult();
                await gate.Task;
            }
        }, maxBatch: 512, NullLogger.Instance, writers: 2);

        var held = committer.Enqueue(Write(0));
        await firstStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        // One writer is held inside its commit; the other takes this write and commits it meanwhile.
        var next = committer.Enqueue(Write(1));
        await next.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.False(held.IsCompleted, "a write must not complete before its own commit");
        gate.SetResult();
        await held.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(2, committer.Commits);
        Assert.Equal(2, committer.Rows);
    }

    [Fact]
    public async Task Several_writers_commit_every_write_once_under_concurrent_callers()
    {
        var seen = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        var inFlight = 0;
        var mostInFlight = 0;
        var emptyCommits = 0;
        var commitCalls = 0L;
        await using var committer = new TaskCommitter(async batch =>
        {
            Interlocked.Increment(ref commitCalls);
            var now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref mostInFlight, now);
            if (batch.Count == 0)
            {
                Interlocked.Increment(ref emptyCommits);
            }
            foreach (var w in batch)
            {
                seen.AddOrUpdate(w.Id, 1, (_, n) => n + 1);
            }
            await Task.Yield();
            Interlocked.Decrement(ref inFlight);
        }, maxBatch: 16, NullLogger.Instance, writers: 3);

        var writes = await Task.WhenAll(Enumerable.Range(0, 8).Select(caller => Task.Run(async () =>
        {
            for (var i = 0; i < 250; i++)
            {
                await committer.Enqueue(Write(caller * 1000 + i));
            }
            return caller;
        }))).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(8, writes.Length);
        Assert.Equal(2000, seen.Count);
        Assert.All(seen.Values, n => Assert.Equal(1, n));
        Assert.Equal(2000, committer.Rows);
        Assert.InRange(mostInFlight, 1, 3);
        Assert.Equal(0, emptyCommits); // a writer woken for what another took commits nothing
        Assert.Equal(committer.Commits, Volatile.Read(ref commitCalls));
    }

    [Fact]
    public void Writers_must_be_at_least_one_and_one_with_a_pipelined_flush()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TaskCommitter(_ => Task.CompletedTask, 16, NullLogger.Instance, writers: 0));
        Assert.Throws<ArgumentException>(() => new TaskCommitter(_ => Task.CompletedTask, 16, NullLogger.Instance, makeDurable: () => { }, writers: 2));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
