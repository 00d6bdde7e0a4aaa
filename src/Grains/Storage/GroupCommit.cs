using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using OmniActors.Errors;
using OmniActors.Lifecycle;
using OmniActors.Tasks;

namespace OmniActors.Storage;

/// <summary>What a pending write asks for.</summary>
internal enum WriteKind
{
    Save,
    Delete,
}

/// <summary>
/// A write waiting for the next group commit: it takes <see cref="Size"/> of a batch's room and is settled through
/// <see cref="Done"/> once its batch committed (<see cref="Committed"/>) or failed as a whole.
/// </summary>
internal abstract class GroupCommitItem<TResult>
{
    public TaskCompletionSource<TResult> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>How much of a batch's room it takes (rows or statements).</summary>
    public virtual int Size => 1;

    /// <summary>Settles the item after its batch committed.</summary>
    public abstract void Committed();
}

/// <summary>One grain's write waiting for the next group commit.</summary>
internal sealed class PendingWrite(WriteKind kind, string id, TaskInfo? state, long expectedVersion, IReadOnlyList<LifecycleEvent>? events = null)
    : GroupCommitItem<long>
{
    /// <summary>Event-log rows to append in the same transaction, only if this write itself succeeds.</summary>
    public IReadOnlyList<LifecycleEvent>? Events { get; } = events;

    public WriteKind Kind { get; } = kind;
    public string Id { get; } = id;
    public TaskInfo? State { get; } = state;
    public long ExpectedVersion { get; } = expectedVersion;

    /// <summary>Set by the batch executor for an item that failed on its own (version conflict), the batch still committing.</summary>
    public Exception? Rejection { get; set; }

    /// <summary>Set by the batch executor: the version stored.</summary>
    public long NewVersion { get; set; }

    public override void Committed()
    {
        if (Rejection is { } rejection)
        {
            Done.TrySetException(rejection);
        }
        else
        {
            Done.TrySetResult(NewVersion);
        }
    }
}

/// <summary>
/// Gathers writes from many callers into one transaction. A single loop takes whatever is waiting (up to
/// <c>maxBatch</c> of room) and commits it; while a commit is in flight the next batch accumulates, so batches grow
/// with load and a lone write is committed at once. Every caller's task completes only after its commit. Serves the
/// task store and the event store alike. A database that runs transactions side by side (PostgreSQL) can take several
/// such loops on one queue of writes: while one waits on its commit's round trips and flush, the next commits what
/// arrived meanwhile.
/// <para>
/// With a <c>makeDurable</c> step the commit and its flush to disk are pipelined: the loop commits a batch without
/// waiting for the disk and hands it to a second loop, which makes everything committed so far durable in one call
/// and only then completes the batches it covered. One flush runs at a time, so the next batch is written while the
/// last one is flushed, and a flush covers every batch committed before it began; at most two batches wait between
/// their commit and their completion. A flush that fails leaves the disk
/// in an unknown state (the kernel may have dropped the pages it could not write): the batches it covered fail and the
/// committer refuses every later write, as PostgreSQL stops on a failed fsync; a restart recovers from the file.
/// </para>
/// </summary>
internal sealed class GroupCommitter<TItem, TResult> : IAsyncDisposable where TItem : GroupCommitItem<TResult>
{
    private readonly Channel<TItem> _channel;
    private readonly Func<IReadOnlyList<TItem>, Task> _commitBatch;
    private readonly Action? _makeDurable;
    private readonly Channel<List<TItem>>? _committed;
    private readonly int _maxBatch;
    private readonly string _store;
    private readonly ILogger _logger;
    private readonly Task _loop;
    private readonly Task _durableLoop;
    private volatile Exception? _broken;
    private readonly SemaphoreSlim _unflushed = new(MaxUnflushedBatches);

    /// <summary>
    /// Batches committed but not yet completed: one being flushed and one committed behind it. The writer waits for the
    /// older one's flush before it commits a third, so under load batches grow instead of splitting into more, smaller
    /// commits. Measured on SQLite (bench/README): without this bound the pipeline gained less and cost more CPU per task.
    /// </summary>
    private const int MaxUnflushedBatches = 2;

    /// <summary>Starts the loop; <paramref name="store"/> is what its errors and logs call the store ("task store", "event store").</summary>
    /// <param name="commitBatch">Writes a batch in one transaction.</param>
    /// <param name="maxBatch">Most room a batch takes.</param>
    /// <param name="logger">Where failed commits are logged.</param>
    /// <param name="store">What errors and logs call the store.</param>
    /// <param name="makeDurable">When given, makes every committed transaction durable (for example an fsync of the
    /// write-ahead log), and <paramref name="commitBatch"/> need not wait for the disk itself; see the type's remarks.</param>
    /// <param name="writers">Loops committing at once, each taking what waits when it is free (1: one commit at a time,
    /// as a database with one writer needs). More than one leaves the order in which batches commit to the database, and
    /// only a store whose commits are independent transactions may ask for it; not with <paramref name="makeDurable"/>.</param>
    public GroupCommitter(Func<IReadOnlyList<TItem>, Task> commitBatch, int maxBatch, ILogger logger, string store = "task store", Action? makeDurable = null,
        int writers = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(writers, 1);
        if (writers > 1 && makeDurable is not null)
        {
            throw new ArgumentException("A pipelined flush covers the batches of one writer; use one writer with makeDurable.", nameof(writers));
        }
        _channel = Channel.CreateUnbounded<TItem>(new UnboundedChannelOptions { SingleReader = writers == 1 });
        _commitBatch = commitBatch;
        _maxBatch = maxBatch;
        _logger = logger;
        _store = store;
        _makeDurable = makeDurable;
        if (makeDurable is not null)
        {
            _committed = Channel.CreateUnbounded<List<TItem>>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
            _durableLoop = Task.Run(MakeDurableAsync);
        }
        else
        {
            _durableLoop = Task.CompletedTask;
        }
        _loop = writers == 1 ? Task.Run(RunAsync) : Task.WhenAll(Enumerable.Range(0, writers).Select(_ => Task.Run(RunAsync)));
    }

    /// <summary>Number of commits and rows written so far (for benchmarks and tests).</summary>
    public long Commits => Interlocked.Read(ref _commits);

    /// <summary>Rows written so far.</summary>
    public long Rows => Interlocked.Read(ref _rows);

    /// <summary>Flushes to disk done by the pipelined durability step so far (0 without one).</summary>
    public long Flushes => Interlocked.Read(ref _flushes);

    /// <summary>Time spent committing (the writers' commit calls, summed over writers; the pipelined flush apart): over
    /// wall time, how busy the writer is. At one writer near 100 % the writer is the bottleneck; far below, the work
    /// waits on something else.</summary>
    public TimeSpan CommitTime => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _commitTicks));

    private long _commits;
    private long _rows;
    private long _flushes;
    private long _commitTicks;

    public Task<TResult> Enqueue(TItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (_broken is { } broken)
        {
            item.Done.TrySetException(broken);
        }
        else if (!_channel.Writer.TryWrite(item))
        {
            item.Done.TrySetException(new StorageUnavailableException($"The {_store} is shutting down."));
        }
        return item.Done.Task;
    }

    private async Task RunAsync()
    {
        var reader = _channel.Reader;
        try
        {
            while (await reader.WaitToReadAsync())
            {
                // A fresh list each time: with a durability step the batch outlives this iteration.
                var batch = new List<TItem>(Math.Min(_maxBatch, 64));
                var size = 0;
                while (size < _maxBatch && reader.TryRead(out var item))
                {
                    batch.Add(item);
                    size += item.Size;
                }
                if (batch.Count == 0)
                {
                    continue; // Another writer took what woke this one.
                }
                if (_broken is { } broken)
                {
                    Fail(batch, broken);
                    continue;
                }
                if (_committed is not null)
                {
                    await _unflushed.WaitAsync();
                }
                var started = Stopwatch.GetTimestamp();
                try
                {
                    await _commitBatch(batch);
                    Interlocked.Increment(ref _commits);
                    Interlocked.Add(ref _rows, size);
                }
                catch (Exception ex)
                {
                    GroupCommitLog.BatchFailed(_logger, ex, _store, batch.Count);
                    Fail(batch, new StorageUnavailableException($"The {_store} could not commit: {ex.Message}"));
                    if (_committed is not null)
                    {
                        _unflushed.Release();
                    }
                    continue;
                }
                finally
                {
                    Interlocked.Add(ref _commitTicks, Stopwatch.GetTimestamp() - started);
                }
                if (_committed is null)
                {
                    Settle(batch);
                }
                else
                {
                    _committed.Writer.TryWrite(batch);
                }
            }
        }
        finally
        {
            // With several writers the pipelined flush is never set (see the constructor), so this is the one loop's.
            _committed?.Writer.TryComplete();
        }
    }

    /// <summary>The second loop of a pipelined committer: one flush for all batches committed since the last one began.</summary>
    private async Task MakeDurableAsync()
    {
        var reader = _committed!.Reader;
        var covered = new List<List<TItem>>();
        while (await reader.WaitToReadAsync())
        {
            covered.Clear();
            while (reader.TryRead(out var batch))
            {
                covered.Add(batch);
            }
            if (_broken is null)
            {
                try
                {
                    _makeDurable!();
                    Interlocked.Increment(ref _flushes);
                }
                catch (Exception ex)
                {
                    GroupCommitLog.FlushFailed(_logger, ex, _store);
                    _broken = new StorageUnavailableException(
                        $"The {_store} could not flush its commits to disk ({ex.Message}); it refuses writes until the silo restarts.");
                }
            }
            foreach (var batch in covered)
            {
                _unflushed.Release();
                if (_broken is { } broken)
                {
                    Fail(batch, broken);
                }
                else
                {
                    Settle(batch);
                }
            }
        }
    }

    private static void Settle(List<TItem> batch)
    {
        foreach (var item in batch)
        {
            item.Committed();
        }
    }

    private static void Fail(List<TItem> batch, Exception error)
    {
        foreach (var item in batch)
        {
            item.Done.TrySetException(error);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _channel.Writer.TryComplete();
        await _loop;
        await _durableLoop;
        _unflushed.Dispose();
    }
}

internal static partial class GroupCommitLog
{
    [LoggerMessage(Level = LogLevel.Error, Message = "{Store} group commit of {Count} writes failed; every write in it is reported failed")]
    public static partial void BatchFailed(ILogger logger, Exception exception, string store, int count);

    [LoggerMessage(Level = LogLevel.Critical, Message = "{Store} could not flush its commits to disk; it refuses writes until the silo restarts")]
    public static partial void FlushFailed(ILogger logger, Exception exception, string store);
}
