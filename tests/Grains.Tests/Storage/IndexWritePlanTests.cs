using OmniActors.Lifecycle;
using OmniActors.Storage;

namespace OmniActors.Tests.Storage;

/// <summary>
/// deploy/sql/postgresql 0012 takes index writes off the hot path (a block-range time index on the event log, byte-wise
/// text keys). A read that lost its index would still pass the behavioural
/// tests and stall on a large table, so the plans are checked: without seq scans, the planner shows which index serves.
/// </summary>
public sealed class IndexWritePlanTests
{
    [Fact]
    public async Task Postgres_event_log_retention_uses_the_block_range_index_and_no_time_btree_is_written()
    {
        await using var database = await TempPostgresDatabase.WithSchemaAsync();

        var plan = await database.PlanAsync(EventLogStore.DeleteBeforeSql
            .Replace("LIMIT @n", "LIMIT 10", StringComparison.Ordinal).Replace("@before", "1", StringComparison.Ordinal));

        Assert.Contains("ix_omni_event_log_at_brin", plan, StringComparison.Ordinal);
        Assert.Equal("brin", await database.ScalarAsync(
            "SELECT am.amname FROM pg_class c JOIN pg_am am ON am.oid = c.relam WHERE c.relname = 'ix_omni_event_log_at_brin'"));
        Assert.Equal(0L, await database.ScalarAsync("SELECT COUNT(*) FROM pg_indexes WHERE indexname = 'ix_omni_event_log_at'"));
    }

    [Fact]
    public async Task Postgres_text_keys_compare_byte_wise_and_keep_their_indexes_for_text_parameters()
    {
        await using var database = await TempPostgresDatabase.WithSchemaAsync();

        var collations = await database.RowsAsync(
            "SELECT c.relname || '.' || a.attname, coll.collname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid " +
            "JOIN pg_collation coll ON coll.oid = a.attcollation " +
            "WHERE (c.relname = 'omni_tasks' AND a.attname IN ('id', 'queue', 'status')) " +
            "OR (c.relname = 'omni_event_log' AND a.attname IN ('subject', 'queue', 'type', 'kind')) ORDER BY 1");
        Assert.Equal(
            ["omni_event_log.kind", "omni_event_log.queue", "omni_event_log.subject", "omni_event_log.type", "omni_tasks.id", "omni_tasks.queue", "omni_tasks.status"],
            collations.Select(row => (string)row[0]!));
        Assert.All(collations, row => Assert.Equal("C", row[1]));

        // A statement's text parameters carry the database's collation; against a "C" column the column's wins, so the
        // indexes still serve (a mismatch would fail the statement or fall back to a scan).
        var plan = await database.PlanAsync(SqlTaskStore.LoadPartitionSql
            .Replace("@queue", "'q'::text", StringComparison.Ordinal).Replace("@partition", "0", StringComparison.Ordinal));
        Assert.Contains("ix_omni_tasks_partition_pending", plan, StringComparison.Ordinal);
    }
}
