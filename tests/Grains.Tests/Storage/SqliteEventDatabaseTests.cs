using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using OmniActors.Storage;
using OmniActors.Webhooks;

namespace OmniActors.Tests.Storage;

/// <summary>The event store's SQLite writer flushes its log after commit under FULL, as the task store's does.</summary>
public sealed class SqliteEventDatabaseTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Every_acknowledged_write_is_in_the_file_and_flushed_by_the_group_commit_only_when_it_flushes_after_commit(bool flushAfterCommit)
    {
        var folder = Path.Combine(Path.GetTempPath(), "omni-events-" + Guid.NewGuid().ToString("N"));
        var options = new StorageOptions { SqlitePath = Path.Combine(folder, "omni.db"), SqliteFlushAfterCommit = flushAfterCommit };
        try
        {
            await using (var services = new ServiceCollection().BuildServiceProvider())
            await using (var database = new EventDatabase(Microsoft.Extensions.Options.Options.Create(options), services, NullLogger<EventDatabase>.Instance))
            {
                await database.WriteAsync(SqlStatement.Of("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)"));
                var rows = await Task.WhenAll(Enumerable.Range(0, 100).Select(i =>
                    i % 2 == 0
                        ? database.WriteAsync(SqlStatement.Of("INSERT INTO notes (body) VALUES (@body)", ("@body", $"note {i}")))
                        : database.WriteUrgentAsync(SqlStatement.Of("INSERT INTO notes (body) VALUES (@body)", ("@body", $"urgent {i}")))));

                Assert.All(rows, changed => Assert.Equal(1, changed));
                Assert.Equal(100L, await SqliteTaskStoreTests.CountRowsAsync(options, "notes"));
                if (flushAfterCommit)
                {
                    Assert.InRange(database.WriteCounters.Flushes, 1, 101);
                }
                else
                {
                    Assert.Equal(0, database.WriteCounters.Flushes);
                }
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }
}
