using System.Net;
using OmniActors.Tests.Http;
using OmniActors.Tests.Storage;
using OmniActors.Tests.Support;

namespace OmniActors.Tests.Events;

/// <summary>
/// PostgreSQL: a webhook's raw capture commits on its own lane, so the acknowledgement never waits behind ingest
/// writes. The proof: ingest writes held by a table lock, webhooks still answered, and nothing lost once it is released.
/// </summary>
[Collection(PostgresEventFabricCollection.Name)]
public sealed class PostgresIngestLaneTests(PostgresEventFabric factory) : EventFabricTest(factory)
{
    private static readonly TimeSpan AckDeadline = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Webhooks_are_acknowledged_while_ingest_writes_wait_on_a_lock_and_are_ingested_after_it()
    {
        long chat = Telegram.Unique();
        var database = (TempPostgresDatabase)Fabric.Database;
        await using (var blocker = await database.OpenAsync())
        {
            await using var tx = await blocker.BeginTransactionAsync();
            await using (var lockEvents = blocker.CreateCommand())
            {
                // Readers pass; every insert into omni_events (the background lane's ingest) waits for this transaction.
                lockEvents.CommandText = "LOCK TABLE omni_events IN EXCLUSIVE MODE";
                lockEvents.Transaction = tx;
                await lockEvents.ExecuteNonQueryAsync();
            }
            await Hooks.PostAsync(Telegram.Message(Telegram.Unique(), Telegram.Unique(), chat, "first")).WaitAsync(AckDeadline).ExpectAsync(HttpStatusCode.OK);
            // The first capture's ingest now waits on the lock, holding a background commit open.
            await Eventually.Until(
                () => Fabric.CountAsync("SELECT COUNT(*) FROM pg_locks WHERE NOT granted AND relation = 'omni_events'::regclass"),
                waiting => waiting > 0, Api.Deadline, "an ingest insert waiting on the lock");
            for (var i = 0; i < 2; i++)
            {
                var ack = await Hooks.PostAsync(Telegram.Message(Telegram.Unique(), Telegram.Unique(), chat, $"while locked {i}"))
                    .WaitAsync(AckDeadline).ExpectAsync(HttpStatusCode.OK);
                Assert.Equal("accepted", ack.GetProperty("status").GetString());
            }
            Assert.Equal(0L, await Fabric.CountAsync("SELECT COUNT(*) FROM omni_events WHERE chat_id = @chat", ("@chat", chat.ToString(System.Globalization.CultureInfo.InvariantCulture))));
            await tx.RollbackAsync();
        }

        var events = await ApiClient.UntilChatEventsAsync(chat, 3);
        Assert.Equal(3, events.Count);
        await Eventually.Until(
            () => Fabric.CountAsync("SELECT COUNT(*) FROM omni_raw_events WHERE body LIKE @chat AND processed_at IS NULL", ("@chat", $"%\"id\":{chat},\"first_name\"%")),
            pending => pending == 0, Api.Deadline, "the three captures marked processed");
    }
}
