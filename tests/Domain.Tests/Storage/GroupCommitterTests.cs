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
}
