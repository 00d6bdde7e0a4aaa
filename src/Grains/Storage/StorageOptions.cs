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

    /// <summary>Full ADO.NET connection string; overrides <see cref="SqlitePath"/>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Apply the schema scripts at silo start.</summary>
    public bool CreateSchema { get; set; } = true;

    /// <summary>SQLite <c>synchronous=FULL</c> (survives power loss) instead of NORMAL (survives process crashes).</summary>
    public bool SqliteSynchronousFull { get; set; } = true;

    /// <summary>Most writes gathered into one transaction.</summary>
    [Range(1, 10_000)] public int MaxBatchSize { get; set; } = 512;
}
