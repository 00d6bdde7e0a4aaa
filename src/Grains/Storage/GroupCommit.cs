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

/// <summary>One grain's write waiting for the next group commit.</summary>
internal sealed class PendingWrite(WriteKind kind, string id, TaskInfo? state, long expectedVersion, IReadOnlyList<LifecycleEvent>? events = null)
{
    /// <summary>Event-log rows to append in the same transaction, only if this write itself succeeds.</summary>
    public IReadOnlyList<LifecycleEvent>? Events { get; } = events;

    public WriteKind Kind { get; } = kind;
    public string Id { get; } = id;
    public TaskInfo? State { get; } = state;
    public long ExpectedVersion { get; } = expectedVersion;
    public TaskCompletionSource<long> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Set by the batch executor for an item that failed on its own (version conflict), the batch still committing.</summary>
    public Exception? Rejection { get; set; }

    /// <summary>Set by the batch executor: the version stored.</summary>
    public long NewVersion { get; set; }
}

/// <summary>
/// Gathers writes from many callers into one transaction. A single loop takes whatever is waiting (up to
/// <c>maxBatch</c>) and commits it; while a commit is in flight the next batch accumulates, so batches grow
/// with load and a lone write is committed at once. Every caller's task completes only after its commit.
/// </summary>
internal sealed partial class GroupCommitter : IAsyncDisposable
{
    private readonly Channel<PendingWrite> _channel = Channel.CreateUnbounded<PendingWrite>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Func<IReadOnlyList<PendingWrite>, Task> _commitBatch;
    private readonly int _maxBatch;
    private readonly ILogger _logger;
    private readonly Task _loop;

    public GroupCommitter(Func<IReadOnlyList<PendingWrite>, Task> commitBatch, int maxBatch, ILogger logger)
    {
        _commitBatch = commitBatch;
        _maxBatch = maxBatch;
        _logger = logger;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Number of commits and rows written so far (for benchmarks and tests).</summary>
    public long Commits => Interlocked.Read(ref _commits);

    /// <summary>Rows written so far.</summary>
    public long Rows => Interlocked.Read(ref _rows);

    private long _commits;
    private long _rows;

    public Task<long> Enqueue(PendingWrite write)
    {
        if (!_channel.Writer.TryWrite(write))
        {
            write.Done.TrySetException(new StorageUnavailableException("The task store is shutting down."));
        }
        return write.Done.Task;
    }

    private async Task RunAsync()
    {
        var batch = new List<PendingWrite>(_maxBatch);
        var reader = _channel.Reader;
        while (await reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < _maxBatch && reader.TryRead(out var write))
            {
                batch.Add(write);
            }
            try
            {
                await _commitBatch(batch);
                Interlocked.Increment(ref _commits);
                Interlocked.Add(ref _rows, batch.Count);
                foreach (var w in batch)
                {
                    if (w.Rejection is { } rejection)
                    {
                        w.Done.TrySetException(rejection);
                    }
                    else
                    {
                        w.Done.TrySetResult(w.NewVersion);
                    }
                }
            }
            catch (Exception ex)
            {
                LogBatchFailed(ex, batch.Count);
                var error = new StorageUnavailableException($"The task store could not commit: {ex.Message}");
                foreach (var w in batch)
                {
                    w.Done.TrySetException(error);
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _channel.Writer.TryComplete();
        await _loop;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Group commit of {Count} writes failed; every write in it is reported failed")]
    private partial void LogBatchFailed(Exception exception, int count);
}
