using System.Net;
using System.Text.Json;
using OmniActors.Routing;
using OmniActors.Tests.Http;
using OmniActors.Tests.Lifecycle;
using OmniActors.Tests.Support;

namespace OmniActors.Tests.Events;

/// <summary>
/// Webhook lifecycle events over real HTTP: a verified, routed update is <c>received</c>, <c>normalized</c> and
/// <c>routed</c> in the event log and on the event stream; a forged one is only <c>rejected</c>. Each test has its own
/// Telegram instance, so its queue (<c>webhooks/telegram/{instance}</c>) holds its events alone.
/// </summary>
public abstract class WebhookLifecycleTests(EventFabricFactory factory) : EventFabricTest(factory)
{
    private const string Secret = "lifecycle-secret-1";

    private async Task<string> NewInstanceAsync()
    {
        var name = "life-" + Guid.NewGuid().ToString("N")[..10];
        await ApiClient.PostJsonAsync("/api/webhook-instances", new { provider = "telegram", instance = name, secret = Secret }).ExpectAsync(HttpStatusCode.Created);
        return name;
    }

    private static string QueueOf(string instance) => Uri.EscapeDataString($"webhooks/telegram/{instance}");

    private async Task<IReadOnlyList<JsonElement>> LogAsync(string instance)
    {
        var page = await ApiClient.GetAsync($"/api/event-log?kind=webhook&queue={QueueOf(instance)}&limit=1000").ExpectAsync(HttpStatusCode.OK);
        return page.GetProperty("items").EnumerateArray().ToList();
    }

    private Task<IReadOnlyList<JsonElement>> UntilLogAsync(string instance, Func<IReadOnlyList<JsonElement>, bool> done, string what) =>
        Eventually.Until(() => LogAsync(instance), done, Api.Deadline, what);

    private static string Type(JsonElement e) => e.GetProperty("type").GetString()!;

    private static string Subject(JsonElement e) => e.GetProperty("id").GetString()!;

    private static string Detail(JsonElement e) => e.GetProperty("detail").GetString()!;

    [Fact]
    public async Task A_verified_routed_update_is_received_normalized_and_routed_in_the_log_and_on_the_stream()
    {
        var instance = await NewInstanceAsync();
        var queue = Api.UniqueQueue("hook-life");
        var prefix = "/life-" + Guid.NewGuid().ToString("N")[..6];
        var rule = await ApiClient.PostJsonAsync("/api/routes", new { name = "life", instance, text_prefix = prefix, action = "test-record", queue })
            .ExpectAsync(HttpStatusCode.Created);
        var ruleId = rule.GetProperty("id").GetString()!;
        await using var sse = await SseStream.OpenAsync(ApiClient, $"/api/events/stream?kind=webhook&queue={QueueOf(instance)}");
        long chat = Telegram.Unique();
        var body = Telegram.Message(Telegram.Unique(), Telegram.Unique(), chat, prefix + " go");

        var ack = await Hooks.PostAsync(body, Secret, instance).ExpectAsync(HttpStatusCode.OK);

        var rawId = ack.GetProperty("raw_id").GetString()!;
        var streamed = await sse.EventsAsync(3);
        var eventId = Subject(Assert.Single(await ApiClient.UntilChatEventsAsync(chat, 1)));
        var taskId = EventRouter.TaskId(eventId, ruleId);
        Assert.Equal(["received", "normalized", "routed"], streamed.Select(f => f.Type));
        Assert.All(streamed, f => Assert.Equal("webhook", f.Event));
        Assert.All(streamed, f => Assert.Equal($"webhooks/telegram/{instance}", f.Json.GetProperty("queue").GetString()));
        Assert.Equal([rawId, eventId, eventId], streamed.Select(f => f.Subject));
        Assert.Equal($"event_type=message raw={rawId}", Detail(streamed[1].Json));
        Assert.Equal($"rule={ruleId} task={taskId} queue={queue}", Detail(streamed[2].Json));
        Assert.Equal("test-record", streamed[2].Json.GetProperty("action").GetString());
        await ApiClient.UntilTaskAsync(taskId, "succeeded");

        // The log holds the same three events, with the sequences the stream sent as ids.
        var logged = await LogAsync(instance);
        Assert.Equal(["received", "normalized", "routed"], logged.Select(Type));
        Assert.Equal(streamed.Select(f => f.Sequence), logged.Select(e => e.GetProperty("sequence").GetInt64()));
        var routed = await ApiClient.GetAsync($"/api/event-log?kind=webhook&type=routed&task={eventId}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(streamed[2].Sequence, Assert.Single(routed.GetProperty("items").EnumerateArray()).GetProperty("sequence").GetInt64());

        // A redelivery and a recovery run over the same capture publish nothing more. The publisher logs in call order,
        // so once a later update's events are in, anything the replays had published would be too.
        await Hooks.PostAsync(body, Secret, instance).ExpectAsync(HttpStatusCode.OK);
        await Fabric.Database.ExecuteAsync("UPDATE omni_events SET status = 'pending' WHERE id = @id", ("@id", eventId));
        await Fabric.Service<Webhooks.IngestPipeline>().IngestAsync((await Fabric.Service<Webhooks.EventStore>().GetRawAsync(rawId))!);
        await Hooks.PostAsync(Telegram.Message(Telegram.Unique(), Telegram.Unique(), chat, "unrouted"), Secret, instance).ExpectAsync(HttpStatusCode.OK);
        var after = await UntilLogAsync(instance, l => l.Count(e => Type(e) == "normalized") == 2, "the later update is normalized");
        Assert.Equal(["received", "normalized", "routed", "received", "normalized"], after.Select(Type));
        Assert.Single(after, e => Subject(e) == eventId && Type(e) == "routed");
    }

    [Fact]
    public async Task A_forged_or_unsigned_update_is_only_rejected_and_stores_nothing_else()
    {
        var instance = await NewInstanceAsync();
        await using var sse = await SseStream.OpenAsync(ApiClient, $"/api/events/stream?kind=webhook&queue={QueueOf(instance)}");
        long forgedChat = Telegram.Unique();
        var forged = Telegram.Message(Telegram.Unique(), Telegram.Unique(), forgedChat, "let me in");

        await Hooks.PostAsync(forged, "not-the-secret", instance).ExpectProblemAsync(HttpStatusCode.Unauthorized, "signature_invalid");
        await Hooks.PostAsync(forged, null, instance).ExpectProblemAsync(HttpStatusCode.Unauthorized, "signature_missing");

        var streamed = await sse.EventsAsync(2);
        Assert.Equal(["rejected", "rejected"], streamed.Select(f => f.Type));
        Assert.Equal($"reason=signature_invalid provider=telegram instance={instance}", Detail(streamed[0].Json));
        Assert.Equal($"reason=signature_missing provider=telegram instance={instance}", Detail(streamed[1].Json));
        Assert.All(streamed, f => Assert.StartsWith("rej", f.Subject, StringComparison.Ordinal));
        Assert.NotEqual(streamed[0].Subject, streamed[1].Subject);

        // A genuine update afterwards is logged after them: by then, anything else the forged ones published would be too.
        await Hooks.PostAsync(Telegram.Message(Telegram.Unique(), Telegram.Unique(), Telegram.Unique(), "genuine"), Secret, instance).ExpectAsync(HttpStatusCode.OK);
        var logged = await UntilLogAsync(instance, l => l.Any(e => Type(e) == "normalized"), "the genuine update is normalized");
        Assert.Equal(["rejected", "rejected", "received", "normalized"], logged.Select(Type));
        Assert.Equal(0L, await Fabric.CountAsync("SELECT COUNT(*) FROM omni_raw_events WHERE body LIKE @chat",
            ("@chat", $"%\"id\":{forgedChat},\"first_name\"%")));
        Assert.Empty(await ApiClient.ChatEventsAsync(forgedChat));
    }
}

[Collection(SqliteEventFabricCollection.Name)]
public sealed class SqliteWebhookLifecycleTests(SqliteEventFabric factory) : WebhookLifecycleTests(factory);

[Collection(PostgresEventFabricCollection.Name)]
public sealed class PostgresWebhookLifecycleTests(PostgresEventFabric factory) : WebhookLifecycleTests(factory);
