using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace OmniActors.Storage.Sqlite;

/// <summary>
/// Makes the transactions a SQLite writer committed with <c>synchronous=NORMAL</c> durable by flushing its
/// write-ahead log to disk, which is what <c>synchronous=FULL</c> does inside every commit in WAL mode. Doing it
/// outside the commit lets a group commit (the task store's, the event store's) write its next batch while this one
/// reaches the disk (see <see cref="GroupCommitter{TItem, TResult}"/>). Checkpoints (<see cref="SqliteCheckpointer"/>, or the writer's
/// backstop) still flush the log before copying it into the database and the database before the log is reused.
/// <para>
/// The file is opened at the first flush, after a commit, so it exists. SQLite deletes the log only when the last
/// connection to the database closes, and the writer this flushes for stays open for the store's whole life, so the
/// handle keeps naming the log SQLite writes. Flushing through another descriptor is sound: on Linux, fdatasync
/// writes every dirty page of the file, whoever wrote it.
/// </para>
/// </summary>
internal sealed partial class SqliteWalFlush(string databasePath) : IDisposable
{
    private readonly string _path = databasePath + "-wal";
    private SafeFileHandle? _wal;

    /// <summary>The log file this flushes.</summary>
    public string Path => _path;

    /// <summary>Blocks until every page of the log written so far is on disk; throws if the disk refused.</summary>
    public void Flush()
    {
        _wal ??= File.OpenHandle(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        if (OperatingSystem.IsLinux())
        {
            // fdatasync, as SQLite itself uses on Linux: the log's pages and its size, not its timestamps.
            if (FileDataSync(_wal) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                throw new IOException($"fdatasync of {_path} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).");
            }
        }
        else
        {
            RandomAccess.FlushToDisk(_wal);
        }
    }

    [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    private static partial int FileDataSync(SafeFileHandle fd);

    public void Dispose() => _wal?.Dispose();
}
