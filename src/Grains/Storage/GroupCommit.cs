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
/// task store and the event store alike.
/// </summary>
internal sealed class GroupCommitter<TItem, TResult> : IAsyncDisposable where TItem : GroupCommitItem<TResult>
{
    private readonly Channel<TItem> _channel = Channel.CreateUnbounded<TItem>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Func<IReadOnlyList<TItem>, Task> _commitBatch;
    private readonly int _maxBatch;
    private readonly string _store;
    private readonly ILogger _logger;
    private readonly Task _loop;

    /// <summary>Starts the loop; <paramref name="store"/> is what its errors and logs call the store ("task store", "event store").</summary>
    public GroupCommitter(Func<IReadOnlyList<TItem>, Task> commitBatch, int maxBatch, ILogger logger, string store = "task store")
    {
        _commitBatch = commitBatch;
        _maxBatch = maxBatch;
        _logger = logger;
        _store = store;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Number of commits and rows written so far (for benchmarks and tests).</summary>
    public long Commits => Interlocked.Read(ref _commits);

    /// <summary>Rows written so far.</summary>
    public long Rows => Interlocked.Read(ref _rows);

    private long _commits;
    private long _rows;

    public Task<TResult> Enqueue(TItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (!_channel.Writer.TryWrite(item))
        {
            item.Done.TrySetException(new StorageUnavailableException($"The {_store} is shutting down."));
        }
        return item.Done.Task;
    }

    private async Task RunAsync()
    {
        var batch = new List<TItem>(_maxBatch);
        var reader = _channel.Reader;
        while (await reader.WaitToReadAsync())
        {
            batch.Clear();
            var size = 0;
            while (size < _maxBatch && reader.TryRead(out var item))
            {
                batch.Add(item);
                size += item.Size;
            }
            try
            {
                await _commitBatch(batch);
                Interlocked.Increment(ref _commits);
                Interlocked.Add(ref _rows, size);
                foreach (var item in batch)
                {
                    item.Committed();
                }
            }
            catch (Exception ex)
            {
                GroupCommitLog.BatchFailed(_logger, ex, _store, batch.Count);
                var error = new StorageUnavailableException($"The {_store} could not commit: {ex.Message}");
                foreach (var item in batch)
                {
                    item.Done.TrySetException(error);
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _channel.Writer.TryComplete();
        await _loop;
    }
}

internal static partial class GroupCommitLog
{
    [LoggerMessage(Level = LogLevel.Error, Message = "{Store} group commit of {Count} writes failed; every write in it is reported failed")]
    public static partial void BatchFailed(ILogger logger, Exception exception, string store, int count);
}
