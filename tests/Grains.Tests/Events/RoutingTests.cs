using System.Globalization;
using System.Net;
using System.Text.Json;
using OmniActors.Routing;
using OmniActors.Tests.Http;
using OmniActors.Tests.Support;

namespace OmniActors.Tests.Events;

/// <summary>Routing rules over HTTP: a match enqueues exactly one task per event, whatever is redelivered or replayed.</summary>
public abstract class RoutingTests(EventFabricFactory factory) : EventFabricTest(factory)
{
    [Fact]
    public async Task A_matching_rule_enqueues_exactly_one_task_per_event_with_the_canonical_event_as_payload()
    {
        var queue = Api.UniqueQueue("route");
        var prefix = "/order-" + Guid.NewGuid().ToString("N")[..6];
        var rule = await ApiClient.PostJsonAsync("/api/routes", new
        {
            name = "orders",
            provider = "telegram",
            event_type = "message",
            text_prefix = prefix,
            action = "test-record",
            queue,
        }).ExpectAsync(HttpStatusCode.Created);
        var ruleId = rule.GetProperty("id").GetString()!;
        long update = Telegram.Unique(), chat = Telegram.Unique();
        var body = Telegram.Message(update, Telegram.Unique(), chat, prefix + " 42");

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Hooks.PostAsync(body).ExpectAsync(HttpStatusCode.OK)));
        await Hooks.PostAsync(Telegram.Message(Telegram.Unique(), Telegram.Unique(), chat, "not an order")).ExpectAsync(HttpStatusCode.OK);
        var events = await ApiClient.UntilChatEventsAsync(chat, 2);

        var eventId = events.Single(e => e.GetProperty("provider_event_id").GetString() == update.ToString(CultureInfo.InvariantCulture)).GetProperty("id").GetString()!;
        var taskId = EventRouter.TaskId(eventId, ruleId);
        var task = await ApiClient.UntilTaskAsync(taskId, "succeeded");
        Assert.Equal([taskId], await ApiClient.IdsInQueueAsync(queue));
        var payload = task.GetProperty("payload");
        Assert.Equal(eventId, payload.GetProperty("id").GetString());
        Assert.Equal(prefix + " 42", payload.GetProperty("text").GetString());
        Assert.Equal(1, Fabric.Probe.Executions[taskId]);

        // Ingest run again on the same capture (as recovery would) enqueues nothing more.
        var rawId = events.Single(e => e.GetProperty("id").GetString() == eventId).GetProperty("raw_id").GetString()!;
        await Fabric.Database.ExecuteAsync("UPDATE omni_events SET status = 'pending' WHERE id = @id", ("@id", eventId));
        var raw = await Fabric.Service<Webhooks.EventStore>().GetRawAsync(rawId);
        await Fabric.Service<Webhooks.IngestPipeline>().IngestAsync(raw!);
        Assert.Equal([taskId], await ApiClient.IdsInQueueAsync(queue));
        Assert.Equal(1, Fabric.Probe.Executions[taskId]);
    }

    [Fact]
    public async Task Several_matching_rules_each_enqueue_once_with_their_payload_template()
    {
        var queue = Api.UniqueQueue("route-multi");
        var word = "ping" + Guid.NewGuid().ToString("N")[..6];
        var byRegex = await ApiClient.PostJsonAsync("/api/routes", new { name = "regex", text_regex = $"^{word}\\s+\\d+$", action = "test-record", queue,
            payload_template = new { kind = "pinged", who = "{{sender_handle}}", said = "said: {{text}}", whole = "{{event}}" } }).ExpectAsync(HttpStatusCode.Created);
        var byType = await ApiClient.PostJsonAsync("/api/routes", new { name = "type", content_type = "text", instance = EventFabricFactory.TelegramInstance,
            text_prefix = word, action = "test-record", queue }).ExpectAsync(HttpStatusCode.Created);
        long user = Telegram.Unique(), chat = Telegram.Unique();

        await Hooks.PostAsync(Telegram.Message(Telegram.Unique(), user, chat, word + " 7")).ExpectAsync(HttpStatusCode.OK);
        var e = Assert.Single(await ApiClient.UntilChatEventsAsync(chat, 1));
        var eventId = e.GetProperty("id").GetString()!;

        var templated = await ApiClient.UntilTaskAsync(EventRouter.TaskId(eventId, byRegex.GetProperty("id").GetString()!), "succeeded");
        await ApiClient.UntilTaskAsync(EventRouter.TaskId(eventId, byType.GetProperty("id").GetString()!), "succeeded");
        Assert.Equal(2, (await ApiClient.IdsInQueueAsync(queue)).Count);
        var payload = templated.GetProperty("payload");
        Assert.Equal("pinged", payload.GetProperty("kind").GetString());
        Assert.Equal(user.ToString(CultureInfo.InvariantCulture), payload.GetProperty("who").GetString());
        Assert.Equal($"said: {word} 7", payload.GetProperty("said").GetString());
        Assert.Equal(eventId, payload.GetProperty("whole").GetProperty("id").GetString());
    }

    public static TheoryData<string, string> BadRules => new()
    {
        { """{"name":"r","text_regex":"(unclosed","action":"test-record"}""", "validation_failed" },
        { """{"name":"r","action":"no-such-action"}""", "unknown_action" },
        { """{"name":"r"}""", "validation_failed" },
        { """{"name":"r","action":"test-record",""", "malformed_payload" },
    };

    [Theory]
    [MemberData(nameof(BadRules))]
    public async Task A_bad_rule_is_400_and_stores_nothing(string body, string code)
    {
        var before = (await ApiClient.GetAsync("/api/routes").ExpectAsync(HttpStatusCode.OK)).GetProperty("items").GetArrayLength();
        await ApiClient.PostJsonAsync("/api/routes", body).ExpectProblemAsync(HttpStatusCode.BadRequest, code);
        Assert.Equal(before, (await ApiClient.GetAsync("/api/routes").ExpectAsync(HttpStatusCode.OK)).GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task Rules_are_read_replaced_and_deleted_and_a_deleted_rule_routes_nothing()
    {
        var queue = Api.UniqueQueue("route-crud");
        var word = "crud" + Guid.NewGuid().ToString("N")[..6];
        var id = "rule-" + Guid.NewGuid().ToString("N")[..8];
        await ApiClient.PostJsonAsync("/api/routes", new { id, name = "first", text_prefix = word, action = "test-record", queue }).ExpectAsync(HttpStatusCode.Created);
        await ApiClient.PostJsonAsync("/api/routes", new { id, name = "again", action = "test-record" }).ExpectProblemAsync(HttpStatusCode.Conflict, "conflict");

        var replaced = await ApiClient.PutJsonAsync($"/api/routes/{id}", new { name = "second", text_prefix = word, action = "test-record", queue, enabled = false })
            .ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("second", replaced.GetProperty("name").GetString());
        Assert.False((await ApiClient.GetAsync($"/api/routes/{id}").ExpectAsync(HttpStatusCode.OK)).GetProperty("enabled").GetBoolean());
        (await ApiClient.DeleteAsync(Api.Url($"/api/routes/{id}"))).Dispose();
        await ApiClient.GetAsync($"/api/routes/{id}").ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        await ApiClient.PutJsonAsync($"/api/routes/{id}", new { name = "gone", action = "test-record" }).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");

        long chat = Telegram.Unique();
        await Hooks.PostAsync(Telegram.Message(Telegram.Unique(), Telegram.Unique(), chat, word + " hello")).ExpectAsync(HttpStatusCode.OK);
        await ApiClient.UntilChatEventsAsync(chat, 1);
        await Eventually.Until(() => Fabric.CountAsync("SELECT COUNT(*) FROM omni_events WHERE chat_id = @c AND status = 'processed'",
            ("@c", chat.ToString(CultureInfo.InvariantCulture))), n => n == 1, Api.Deadline, "the event is processed");
        Assert.Empty(await ApiClient.IdsInQueueAsync(queue));
    }
}

[Collection(SqliteEventFabricCollection.Name)]
public sealed class SqliteRoutingTests(SqliteEventFabric factory) : RoutingTests(factory);

[Collection(PostgresEventFabricCollection.Name)]
public sealed class PostgresRoutingTests(PostgresEventFabric factory) : RoutingTests(factory);
