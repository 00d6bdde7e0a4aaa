using System.ComponentModel.DataAnnotations;

namespace OmniActors.Storage;

/// <summary>Where tasks, grain state and reminders live (<c>OmniActors:Storage</c>).</summary>
public sealed class StorageOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "OmniActors:Storage";

    /// <summary><c>Sqlite</c> (embedded, the default) or <c>PostgreSql</c> (cluster).</summary>
    [Required] public string Provider { get; set; } = "Sqlite";

    /// <summary>The SQLite file when no connection string is given.</summary>
    [Required] public string SqlitePath { get; set; } = "data/omniactors.db";

    /// <summary>Full ADO.NET connection string: required for PostgreSql (set <c>Maximum Pool Size</c> well under the
    /// server's max_connections divided by the number of silos); for Sqlite it overrides <see cref="SqlitePath"/>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Apply the schema scripts at silo start.</summary>
    public bool CreateSchema { get; set; } = true;

    /// <summary>SQLite <c>synchronous=FULL</c> (survives power loss) instead of NORMAL (survives process crashes).</summary>
    public bool SqliteSynchronousFull { get; set; } = true;

    /// <summary>With <see cref="SqliteSynchronousFull"/>: the task and event stores' writers commit with NORMAL and their
    /// group commits flush the write-ahead log themselves, while the next batch is written, completing each write only
    /// after that flush; as durable as FULL. <c>false</c> = FULL inside each commit, the writer waiting for the disk.</summary>
    public bool SqliteFlushAfterCommit { get; set; } = true;

    /// <summary>How often a thread of its own looks at the SQLite write-ahead log and, past 1,000 pages not yet in the
    /// database, copies them there (a passive checkpoint, which blocks no writer), so the task and event stores' writers
    /// need not do it inside a commit; they checkpoint only past 10,000 pages of log, as a backstop. <c>00:00:00</c>
    /// leaves checkpoints to SQLite (inside the commit that takes the log past 1,000 pages).</summary>
    public TimeSpan SqliteCheckpointInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>True for the cluster provider.</summary>
    public bool IsPostgres => string.Equals(Provider, PostgreSql, StringComparison.OrdinalIgnoreCase);

    /// <summary>The embedded provider's name.</summary>
    public const string Sqlite = "Sqlite";

    /// <summary>The cluster provider's name.</summary>
    public const string PostgreSql = "PostgreSql";

    /// <summary>Most writes gathered into one transaction.</summary>
    [Range(1, 10_000)] public int MaxBatchSize { get; set; } = 512;

    /// <summary>PostgreSQL: the task store's group commits in flight at once, each on a connection of its own while it
    /// commits. One transaction at a time leaves the server idle during each commit's round trips and WAL flush; a
    /// second commits what arrived meanwhile (bench/README.md). SQLite has one writer whatever this says.
    /// <para>Writes waiting at once may then commit in either order: every caller awaits a write of a task before it
    /// sends the next (whose expected version is the first one's result), and the log's sequences of concurrent commits
    /// may interleave (<see cref="Lifecycle.EventLogTail"/> waits on such gaps). A cluster whose PostgreSQL is its
    /// bottleneck may do better with 1: smaller commits cost the server more CPU a task.</para></summary>
    [Range(1, 16)] public int PostgresCommitWriters { get; set; } = 2;
}
