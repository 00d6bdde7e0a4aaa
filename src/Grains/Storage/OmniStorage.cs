namespace OmniActors.Storage;

/// <summary>Names shared by the storage wiring.</summary>
public static class OmniStorage
{
    /// <summary>The Orleans grain-storage provider for small grain states (queues, later schedules and identities).</summary>
    public const string GrainStorageName = "omni";

    /// <summary>The ADO.NET invariant Orleans maps to Microsoft.Data.Sqlite.</summary>
    public const string SqliteInvariant = "System.Data.SQLite";

    /// <summary>The ADO.NET invariant Orleans maps to Npgsql.</summary>
    public const string PostgresInvariant = "Npgsql";
}
