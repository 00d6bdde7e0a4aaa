using Microsoft.Data.Sqlite;
using Microsoft.Win32.SafeHandles;

namespace OmniActors.Storage.Sqlite;

/// <summary>
/// Copies a SQLite file's write-ahead log into the database on a thread of its own, so that its writers do not.
/// SQLite runs a checkpoint inside the commit that takes the log past <c>wal_autocheckpoint</c> pages: that commit, and
/// every write of a group commit waiting behind it, waits for the log's flush, the copy and the database's flush. Here
/// the thread looks every <see cref="StorageOptions.SqliteCheckpointInterval"/> at how many frames of the log are not in
/// the database yet (the wal-index header in <c>&lt;db&gt;-shm</c>: <c>mxFrame</c> less <c>nBackfill</c>, as SQLite's WAL file
/// format documents it) and, past <see cref="ThresholdFrames"/> (SQLite's own threshold), runs
/// <c>PRAGMA wal_checkpoint(PASSIVE)</c> on its own connection. A passive checkpoint takes no lock a writer needs, so the
/// writers go on committing meanwhile. It flushes the log before it copies and the database after, as SQLite's own
/// checkpoints do. Looking costs one 100-byte read; a header it cannot read makes it checkpoint anyway.
/// <para>
/// The writers keep a checkpoint of their own as a backstop (<see cref="WriterBackstopPages"/>), for a log this thread
/// cannot keep short (a disk too slow for the load, a reader holding an old snapshot): the log stays bounded as before.
/// </para>
/// </summary>
internal sealed class SqliteCheckpointer : IDisposable
{
    /// <summary>The writers' own <c>wal_autocheckpoint</c> while this runs (SQLite's default is 1,000 pages).</summary>
    public const int WriterBackstopPages = 10_000;

    /// <summary>Frames of log not yet in the database that make the thread checkpoint (SQLite's default <c>wal_autocheckpoint</c>).</summary>
    public const int DefaultThresholdFrames = 1_000;

    private readonly string _connectionString;
    private readonly string _indexPath;
    private readonly int _thresholdFrames;
    private readonly TimeSpan _interval;
    private SafeFileHandle? _index;
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private long _checkpoints;
    private long _caughtUp;
    private volatile Exception? _lastError;
    private int _disposed;

    /// <param name="connectionString">The database's.</param>
    /// <param name="databasePath">The file SQLite opened (its wal-index is <c>&lt;path&gt;-shm</c>).</param>
    /// <param name="interval">How often the thread looks at the log.</param>
    /// <param name="thresholdFrames">Frames not yet in the database that make it checkpoint.</param>
    public SqliteCheckpointer(string connectionString, string databasePath, TimeSpan interval, int thresholdFrames = DefaultThresholdFrames)
    {
        _connectionString = connectionString;
        _indexPath = databasePath + "-shm";
        _thresholdFrames = thresholdFrames;
        _interval = interval;
        _thread = new Thread(Run) { IsBackground = true, Name = "omni-sqlite-checkpoint" };
        _thread.Start();
    }

    /// <summary>The frames the threshold counts.</summary>
    public int ThresholdFrames => _thresholdFrames;

    /// <summary>Checkpoints run so far.</summary>
    public long Checkpoints => Interlocked.Read(ref _checkpoints);

    /// <summary>Checkpoints after which every frame of a non-empty log was in the database, so the writers could start
    /// the log over.</summary>
    public long CaughtUp => Interlocked.Read(ref _caughtUp);

    /// <summary>The last checkpoint's failure, if it failed (the next one tries again; the writers' backstop still holds).</summary>
    public Exception? LastError => _lastError;

    private void Run()
    {
        try
        {
            using var connection = new SqliteConnection(_connectionString);
            connection.Open();
            using var cmd = connection.CreateCommand();
            cmd.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
            while (!_stop.Token.WaitHandle.WaitOne(_interval))
            {
                if (UncopiedFrames() is { } uncopied && uncopied < _thresholdFrames)
                {
                    continue;
                }
                try
                {
                    using var reader = cmd.ExecuteReader();
                    // (blocked, frames in the log, frames of it now in the database)
                    if (reader.Read() && reader.GetInt64(1) is var frames and > 0 && reader.GetInt64(2) == frames)
                    {
                        Interlocked.Increment(ref _caughtUp);
                    }
                    Interlocked.Increment(ref _checkpoints);
                    _lastError = null;
                }
#pragma warning disable CA1031 // A failed checkpoint is tried again at the next look; an exception must not end this thread (or the process).
                catch (Exception ex)
                {
                    _lastError = ex;
                }
#pragma warning restore CA1031
            }
        }
#pragma warning disable CA1031 // Nothing may escape a thread of our own: it would end the process.
        catch (Exception ex)
        {
            // The file could not be opened: the writers' backstop checkpoints keep the log bounded.
            _lastError = ex;
        }
#pragma warning restore CA1031
    }

    /// <summary>
    /// Frames of the log not yet copied into the database, from the wal-index header (<c>mxFrame</c>, a 32-bit integer at
    /// byte 16, and <c>nBackfill</c> at byte 96, in the machine's byte order); null when it cannot be read. Read without
    /// SQLite's locks: a torn read only moves one checkpoint, and the writers' backstop still bounds the log.
    /// </summary>
    internal long? UncopiedFrames()
    {
        try
        {
            var index = Volatile.Read(ref _index);
            if (index is null)
            {
                var opened = File.OpenHandle(_indexPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                index = Interlocked.CompareExchange(ref _index, opened, null) ?? opened;
                if (!ReferenceEquals(index, opened))
                {
                    opened.Dispose();
                }
            }
            Span<byte> header = stackalloc byte[100];
            if (RandomAccess.Read(index, header, 0) < header.Length)
            {
                return null;
            }
            var max = BitConverter.ToUInt32(header[16..20]);
            var backfilled = BitConverter.ToUInt32(header[96..100]);
            return max >= backfilled ? max - backfilled : max;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
        catch (ObjectDisposedException)
        {
            return null;
        }
    }

    /// <summary>Stops the thread (after the checkpoint it may be running); a second call does nothing, as its store's may repeat.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        _stop.Cancel();
        _thread.Join();
        _stop.Dispose();
        _index?.Dispose();
    }
}
