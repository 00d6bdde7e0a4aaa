using OmniActors.Lifecycle;
using OmniActors.Storage;

namespace OmniActors.Tests.Storage;

/// <summary>
/// deploy/sql/sqlite 0012 takes index writes off a task's path: the partition index goes (a partition's reload reads
/// <c>ix_omni_tasks_queue_status</c>) and the log's type index keeps only the rarer types. A read that lost its index
/// would still pass the behavioural tests and scan a large table, so the plans are checked.
/// </summary>
public sealed class SqliteLeanIndexPlanTests
{
    [Fact]
    public async Task Partition_reload_searches_the_queue_status_index_and_no_partition_index_is_written()
    {
        using var database = new TempSqliteFile();
        await database.ApplySchemaAsync();

        var details = await database.PlanAsync(SqlTaskStore.LoadPartitionSql, ("@queue", "q"), ("@partition", 0));

        Assert.Contains("SEARCH omni_tasks USING INDEX ix_omni_tasks_queue_status (queue=? AND status=?)", details, StringComparison.Ordinal);
        Assert.DoesNotContain("SCAN omni_tasks", details, StringComparison.Ordinal);
        Assert.Equal(0L, await database.ScalarAsync("SELECT COUNT(*) FROM sqlite_master WHERE name = 'ix_omni_tasks_partition'"));
    }

    [Theory]
    [InlineData("error", "SEARCH omni_event_log USING INDEX ix_omni_event_log_rare_type (type=? AND seq>?)")]
    [InlineData("dead_lettered", "SEARCH omni_event_log USING INDEX ix_omni_event_log_rare_type (type=? AND seq>?)")]
    [InlineData("routed", "SEARCH omni_event_log USING INDEX ix_omni_event_log_rare_type (type=? AND seq>?)")]
    [InlineData("enqueued", "SEARCH omni_event_log USING INTEGER PRIMARY KEY (rowid>?)")]
    [InlineData("executing", "SEARCH omni_event_log USING INTEGER PRIMARY KEY (rowid>?)")]
    [InlineData("complete", "SEARCH omni_event_log USING INTEGER PRIMARY KEY (rowid>?)")]
    public async Task A_rare_type_is_found_through_the_partial_type_index_and_a_common_one_walking_seq(string type, string expected)
    {
        using var database = new TempSqliteFile();
        await database.ApplySchemaAsync();

        var (sql, parameters) = EventLogStore.LatestSql(new EventLogQuery { Type = type });
        var details = await database.PlanAsync(sql, [.. parameters]);

        Assert.Contains(expected, details, StringComparison.Ordinal);
        Assert.DoesNotContain("TEMP B-TREE", details, StringComparison.Ordinal);
        Assert.Equal(0L, await database.ScalarAsync("SELECT COUNT(*) FROM sqlite_master WHERE name = 'ix_omni_event_log_type'"));
    }
}
