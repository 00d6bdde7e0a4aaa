using OmniActors.Storage;
using OmniActors.Tests.Storage;

namespace OmniActors.Tests.Workflows;

/// <summary>
/// Retention reads finished tasks through <c>ix_omni_tasks_status</c>; the partial index on finished_at that every
/// finishing task used to write is gone (deploy/sql 0011). A plan that scans the whole task table would pass the
/// behavioural test and stall on a large table, so the plan is checked on both databases.
/// </summary>
public sealed class RetentionPlanTests
{
    [Fact]
    public async Task Sqlite_retention_searches_the_status_index_and_no_finished_index_is_written()
    {
        using var database = new TempSqliteFile();
        await database.ApplySchemaAsync();

        var details = await database.PlanAsync(SqlTaskStore.DeleteFinishedSql, ("@before", 1L), ("@n", 10));

        Assert.Contains("SEARCH omni_tasks USING INDEX ix_omni_tasks_status (status=? AND created_at<?)", details, StringComparison.Ordinal);
        Assert.DoesNotContain("SCAN omni_tasks", details, StringComparison.Ordinal);
        Assert.Equal(0L, await database.ScalarAsync("SELECT COUNT(*) FROM sqlite_master WHERE name = 'ix_omni_tasks_finished'"));
    }

    [Fact]
    public async Task Postgres_retention_can_use_the_status_index_and_no_finished_index_is_written()
    {
        await using var database = await TempPostgresDatabase.WithSchemaAsync();

        // An empty table would be scanned whatever its indexes; without seq scans the planner shows which index serves.
        var plan = await database.PlanAsync(SqlTaskStore.DeleteFinishedSql.Replace("LIMIT @n", "LIMIT 10", StringComparison.Ordinal)
            .Replace("@before", "1", StringComparison.Ordinal));

        Assert.Contains("ix_omni_tasks_status", plan, StringComparison.Ordinal);
        Assert.Equal(0L, await database.ScalarAsync("SELECT COUNT(*) FROM pg_indexes WHERE indexname = 'ix_omni_tasks_finished'"));
    }
}
