using OmniActors.Errors;
using OmniActors.Webhooks;

namespace OmniActors.Tests.Events;

/// <summary>The event store's group commit: the statements of one write commit together or not at all.</summary>
public abstract class EventDatabaseTests(EventFabricFactory factory) : EventFabricTest(factory)
{
    private static SqlStatement InsertInstance(string name) => SqlStatement.Of(
        "INSERT INTO omni_webhook_instances (provider, instance, secret, verify_token, enabled, created_at, updated_at) " +
        "VALUES ('telegram', @name, 's', NULL, 1, 0, 0)", ("@name", name));

    private Task<long> InstancesNamedAsync(string name) =>
        Fabric.CountAsync("SELECT COUNT(*) FROM omni_webhook_instances WHERE instance = @name", ("@name", name));

    [Fact]
    public async Task The_statements_of_one_write_commit_together()
    {
        var name = "atomic-" + Guid.NewGuid().ToString("N")[..8];

        var rows = await Fabric.Service<EventDatabase>().WriteAsync([InsertInstance(name), InsertInstance(name + "-2")]);

        Assert.Equal([1, 1], rows);
        Assert.Equal(1L, await InstancesNamedAsync(name));
        Assert.Equal(1L, await InstancesNamedAsync(name + "-2"));
    }

    [Fact]
    public async Task A_failing_statement_fails_its_whole_write_and_keeps_nothing_of_it()
    {
        var name = "atomic-" + Guid.NewGuid().ToString("N")[..8];
        var db = Fabric.Service<EventDatabase>();

        // The second statement breaks the primary key the first one just used.
        await Assert.ThrowsAsync<StorageUnavailableException>(() => db.WriteAsync([InsertInstance(name), InsertInstance(name)]));

        Assert.Equal(0L, await InstancesNamedAsync(name));
        // The lane keeps working after a failed batch.
        Assert.Equal(1, await db.WriteAsync(InsertInstance(name)));
        Assert.Equal(1L, await InstancesNamedAsync(name));
    }
}

[Collection(SqliteEventFabricCollection.Name)]
public sealed class SqliteEventDatabaseTests(SqliteEventFabric factory) : EventDatabaseTests(factory);

[Collection(PostgresEventFabricCollection.Name)]
public sealed class PostgresEventDatabaseTests(PostgresEventFabric factory) : EventDatabaseTests(factory);
