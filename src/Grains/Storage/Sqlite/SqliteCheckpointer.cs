using Microsoft.Data.Sqlite;

namespace OmniActors.Storage.Sqlite;

/// <summary>
/// Copies a SQLite file's write-ahead log into the database on a thread of its own, so that its writers do not.
/// SQLite runs a checkpoint inside the commit that takes the log past <c>wal_autocheckpoint</c> pages: that commit, and
/// every write of a group commit waiting behind it, waits for the log's flush, the copy and the database's flush. Here
/// a <c>PRAGMA wal_checkpoint(PASSIVE)</c> runs every <see cref="StorageOptions.SqliteCheckpointInterval"/> on its own
/// connection; a passive checkpoint takes no lock a writer needs, so the writers go on committing meanwhile. It flushes
/// the log before it copies and the database after, as SQLite's own checkpoints do.
/// <para>
/// The writers keep a checkpoint of their own as a backstop (<see cref="WriterBackstopPages"/>), for a log this thread
/// cannot keep short (a disk too slow for the load, a reader holding an old snapshot): the log stays bounded as before.
/// </para>
/// </summary>
internal sealed class SqliteCheckpointer : IDisposable
{
    /// <summary>The writers' own <c>wal_autocheckpoint</c> while this runs (SQLite's default is 1,000 pages).</summary>
    public const int WriterBackstopPages = 10_000;

    private readonly string _connectionString;
    private readonly TimeSpan _interval;
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private long _checkpoints;
    private long _caughtUp;
    private volatile Exception? _lastError;
    private int _disposed;

    public SqliteCheckpointer(string connectionString, TimeSpan interval)
    {
        _connectionString = connectionString;
        _interval = interval;
        _thread = new Thread(Run) { IsBackground = true, Name = "omni-sqlite-checkpoint" };
        _thread.Start();
    }

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
                catch (SqliteException ex)
                {
                    _lastError = ex;
                }
            }
        }
        catch (SqliteException ex)
        {
            // The file could not be opened: the writers' backstop checkpoints keep the log bounded.
            _lastError = ex;
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
    }
}
