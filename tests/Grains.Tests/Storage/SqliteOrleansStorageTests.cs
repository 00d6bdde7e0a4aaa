namespace OmniActors.Tests.Storage;

/// <summary>
/// Orleans' ADO.NET grain storage and reminders running on SQLite through deploy/sql/sqlite/0001_orleans.sql.
/// </summary>
public sealed class SqliteOrleansStorageTests(SqliteOrleansClusterFixture fixture)
    : OrleansProviderContractTests<SqliteOrleansClusterFixture>(fixture), IClassFixture<SqliteOrleansClusterFixture>
{
    protected override Task<TempDatabase> CreateEmptyDatabaseAsync() => Task.FromResult<TempDatabase>(new TempSqliteFile());

    // SQLite has one INTEGER type, read back as Int64.
    protected override object IntegerColumn(int value) => (long)value;
}
