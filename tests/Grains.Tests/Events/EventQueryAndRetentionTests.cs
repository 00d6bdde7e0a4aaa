using System.Globalization;
using System.Net;
using OmniActors.Tests.Http;
using OmniActors.Tests.Support;
using OmniActors.Webhooks;

namespace OmniActors.Tests.Events;

/// <summary>Recent-event queries (filters, keyset paging), raw retention purge in batches, and recovery after a crash.</summary>
public abstract class EventQueryAndRetentionTests(EventFabricFactory factory) : EventFabricTest(factory)
{
    [Fact]
    public async Task Recent_events_page_newest_first_through_a_cursor_and_filter_by_instance_and_time()
    {
        long chat = Telegram.Unique(), user = Telegram.Unique();
        var start = DateTimeOffset.UtcNow.AddSeconds(-1);
        for (var i = 0; i < 5; i++)
        {
            await Hooks.PostAsync(Telegram.Message(Telegram.Unique(), user, chat, $"m{i}")).ExpectAsync(HttpStatusCode.OK);
            await Eventually.Until(() => ApiClient.ChatEventsAsync(chat), items => items.Count == i + 1, Api.Deadline, $"event m{i} stored");
        }

        var texts = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await ApiClient.GetAsync($"/api/events?chat={chat}&limit=2" + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}"))
                .ExpectAsync(HttpStatusCode.OK);
            texts.AddRange(page.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("text").GetString()!));
            cursor = page.TryGetProperty("next_cursor", out var next) ? next.GetString() : null;
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(["m4", "m3", "m2", "m1", "m0"], texts);
        Assert.Equal(3, pages);
        var byInstance = await ApiClient.GetAsync($"/api/events?instance={EventFabricFactory.TelegramInstance}&limit=500").ExpectAsync(HttpStatusCode.OK);
        Assert.True(byInstance.GetProperty("items").GetArrayLength() >= 5);
        var none = await ApiClient.GetAsync($"/api/events?chat={chat}&to={Uri.EscapeDataString(start.ToString("O", CultureInfo.InvariantCulture))}")
            .ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(0, none.GetProperty("items").GetArrayLength());
        var all = await ApiClient.GetAsync($"/api/events?chat={chat}&from={Uri.EscapeDataString(start.ToString("O", CultureInfo.InvariantCulture))}")
            .ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(5, all.GetProperty("items").GetArrayLength());
    }

    [Theory]
    [InlineData("/api/events?cursor=not-a-cursor", 400, "validation_failed")]
    [InlineData("/api/events?limit=0", 400, "validation_failed")]
    [InlineData("/api/events?limit=501", 400, "validation_failed")]
    [InlineData("/api/events?from=yesterday", 400, "malformed_request")]
    [InlineData("/api/events/ev-does-not-exist", 404, "not_found")]
    public async Task Bad_queries_are_problems(string url, int status, string code) =>
        await ApiClient.GetAsync(url).ExpectProblemAsync((HttpStatusCode)status, code);

    [Fact]
    public async Task Raw_bodies_past_retention_are_purged_in_batches_and_events_stay()
    {
        long chat = Telegram.Unique();
        var ack = await Hooks.PostAsync(Telegram.Message(Telegram.Unique(), Telegram.Unique(), chat, "old news")).ExpectAsync(HttpStatusCode.OK);
        var rawId = ack.GetProperty("raw_id").GetString()!;
        var e = Assert.Single(await ApiClient.UntilChatEventsAsync(chat, 1));
        var eventId = e.GetProperty("id").GetString()!;
        var old = DateTimeOffset.UtcNow.AddDays(-31).ToUnixTimeMilliseconds();
        await Fabric.Database.ExecuteAsync("UPDATE omni_raw_events SET received_at = @old WHERE id = @id", ("@old", old), ("@id", rawId));
        await Fabric.Database.ExecuteAsync("UPDATE omni_events SET received_at = @old WHERE id = @id", ("@old", old), ("@id", eventId));
        // 250 more expired captures: three batches of the configured 100.
        var tag = Guid.NewGuid().ToString("N");
        for (var i = 0; i < 250; i++)
        {
            await Fabric.Database.ExecuteAsync(
                "INSERT INTO omni_raw_events (id, provider, instance, body_hash, body, verified, received_at, processed_at, attempts) " +
                "VALUES (@id, 'telegram', 'bot', @hash, '{}', 1, @old, @old, 0)",
                ("@id", $"raw-old-{tag}-{i}"), ("@hash", $"{tag}-{i}"), ("@old", old));
        }
        long fresh = Telegram.Unique();
        var freshAck = await Hooks.PostAsync(Telegram.Message(Telegram.Unique(), Telegram.Unique(), fresh, "new")).ExpectAsync(HttpStatusCode.OK);

        var purged = await Fabric.Service<IngestPipeline>().PurgeAsync();

        Assert.True(purged >= 251, $"purged {purged}");
        Assert.Equal(0L, await Fabric.CountAsync("SELECT COUNT(*) FROM omni_raw_events WHERE id = @id OR id LIKE @tag", ("@id", rawId), ("@tag", $"raw-old-{tag}-%")));
        Assert.Equal(1L, await Fabric.CountAsync("SELECT COUNT(*) FROM omni_raw_events WHERE id = @id", ("@id", freshAck.GetProperty("raw_id").GetString()!)));
        var kept = await ApiClient.GetAsync($"/api/events/{eventId}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("old news", kept.GetProperty("text").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, kept.GetProperty("raw_id").ValueKind);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, kept.GetProperty("raw").ValueKind);
    }

    [Fact]
    public async Task A_capture_stored_but_never_ingested_before_a_crash_is_picked_up_again()
    {
        // What a silo that died right after acknowledging leaves behind: the raw row, unprocessed, and nothing else.
        long update = Telegram.Unique(), chat = Telegram.Unique();
        var body = Telegram.Message(update, Telegram.Unique(), chat, "survived the crash");
        var receivedAt = DateTimeOffset.UtcNow.AddSeconds(-5);
        await Fabric.Database.ExecuteAsync(
            "INSERT INTO omni_raw_events (id, provider, instance, body_hash, body, verified, received_at, attempts) " +
            "VALUES (@id, 'telegram', @instance, @hash, @body, 1, @at, 0)",
            ("@id", "raw-crash-" + Guid.NewGuid().ToString("N")), ("@instance", EventFabricFactory.TelegramInstance), ("@hash", EventStore.Hash(body)),
            ("@body", body), ("@at", receivedAt.ToUnixTimeMilliseconds()));

        var e = Assert.Single(await ApiClient.UntilChatEventsAsync(chat, 1));

        Assert.Equal("survived the crash", e.GetProperty("text").GetString());
        Assert.Equal(receivedAt.ToUnixTimeMilliseconds(), e.GetProperty("received_at").GetDateTimeOffset().ToUnixTimeMilliseconds());
        await Eventually.Until(() => Fabric.CountAsync("SELECT COUNT(*) FROM omni_raw_events WHERE body_hash = @h AND processed_at IS NOT NULL",
            ("@h", EventStore.Hash(body))), n => n == 1, Api.Deadline, "the capture is marked processed");
        // The provider redelivering it now is acknowledged as a duplicate, not stored again.
        var ack = await Hooks.PostAsync(body).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("duplicate", ack.GetProperty("status").GetString());
    }
}

[Collection(SqliteEventFabricCollection.Name)]
public sealed class SqliteEventQueryAndRetentionTests(SqliteEventFabric factory) : EventQueryAndRetentionTests(factory);

[Collection(PostgresEventFabricCollection.Name)]
public sealed class PostgresEventQueryAndRetentionTests(PostgresEventFabric factory) : EventQueryAndRetentionTests(factory);
