using System.Net;
using System.Text;
using OmniActors.Tests.Http;
using OmniActors.Tests.Support;

namespace OmniActors.Tests.Events;

/// <summary>The webhook endpoint over real HTTP: every bad input refused with nothing stored, redeliveries stored once.</summary>
public abstract class WebhookIngressTests(EventFabricFactory factory) : EventFabricTest(factory)
{
    private Task<long> RawRowsOfChatAsync(long chatId) =>
        Fabric.CountAsync("SELECT COUNT(*) FROM omni_raw_events WHERE body LIKE @chat", ("@chat", $"%\"id\":{chatId},\"first_name\"%"));

    [Fact]
    public async Task A_verified_update_is_acknowledged_stored_raw_and_becomes_one_canonical_event()
    {
        long update = Telegram.Unique(), user = Telegram.Unique(), chat = Telegram.Unique();

        var ack = await Hooks.PostAsync(Telegram.Message(update, user, chat, "hello there")).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal("accepted", ack.GetProperty("status").GetString());
        var rawId = ack.GetProperty("raw_id").GetString()!;
        Assert.Equal(1L, await Fabric.CountAsync("SELECT COUNT(*) FROM omni_raw_events WHERE id = @id", ("@id", rawId)));
        var e = Assert.Single(await ApiClient.UntilChatEventsAsync(chat, 1));
        Assert.Equal("telegram", e.GetProperty("provider").GetString());
        Assert.Equal(EventFabricFactory.TelegramInstance, e.GetProperty("instance").GetString());
        Assert.Equal(update.ToString(System.Globalization.CultureInfo.InvariantCulture), e.GetProperty("provider_event_id").GetString());
        Assert.Equal("message", e.GetProperty("event_type").GetString());
        Assert.Equal("text", e.GetProperty("content_type").GetString());
        Assert.Equal("hello there", e.GetProperty("text").GetString());
        Assert.Equal(rawId, e.GetProperty("raw_id").GetString());
        Assert.StartsWith("id", e.GetProperty("sender_identity_id").GetString(), StringComparison.Ordinal);

        var full = await ApiClient.GetAsync($"/api/events/{e.GetProperty("id").GetString()}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(rawId, full.GetProperty("raw").GetProperty("id").GetString());
        Assert.Equal(update, full.GetProperty("raw").GetProperty("body").GetProperty("update_id").GetInt64());
    }

    [Fact]
    public async Task An_ingested_event_is_processed_and_its_capture_marked_processed()
    {
        long chat = Telegram.Unique();
        var ack = await Hooks.PostAsync(Telegram.Message(Telegram.Unique(), Telegram.Unique(), chat, "mark me")).ExpectAsync(HttpStatusCode.OK);
        var rawId = ack.GetProperty("raw_id").GetString()!;
        var id = Assert.Single(await ApiClient.UntilChatEventsAsync(chat, 1)).GetProperty("id").GetString();

        var e = await Eventually.Until(() => ApiClient.GetAsync($"/api/events/{id}").ExpectAsync(HttpStatusCode.OK),
            x => x.GetProperty("processing_status").GetString() == "processed", Api.Deadline, "the event processed");

        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, e.GetProperty("processed_at").ValueKind);
        await Eventually.Until(() => Fabric.CountAsync("SELECT COUNT(*) FROM omni_raw_events WHERE id = @id AND processed_at IS NOT NULL", ("@id", rawId)),
            n => n == 1, Api.Deadline, "the capture marked processed");
    }

    [Theory]
    [InlineData(null, 401, "signature_missing")]
    [InlineData("", 401, "signature_missing")]
    [InlineData("wrong-secret", 401, "signature_invalid")]
    [InlineData("tg-secret-12", 401, "signature_invalid")]
    public async Task A_missing_or_forged_token_is_401_and_stores_nothing(string? secret, int status, string code)
    {
        long chat = Telegram.Unique();
        var body = Telegram.Message(Telegram.Unique(), Telegram.Unique(), chat, "let me in");

        await Hooks.PostAsync(body, secret).ExpectProblemAsync((HttpStatusCode)status, code);

        Assert.Equal(0L, await RawRowsOfChatAsync(chat));
        Assert.Equal(0L, await Fabric.CountAsync("SELECT COUNT(*) FROM omni_events WHERE chat_id = @chat", ("@chat", chat.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        // The exporter caches a scrape briefly: wait for one taken after the refusal.
        await Eventually.Until(() => Hooks.GetStringAsync(Api.Url("/metrics")),
            m => m.Contains($"outcome=\"{code}\"", StringComparison.Ordinal) && m.Contains("omni_webhooks_requests", StringComparison.Ordinal),
            Api.Deadline, $"the {code} refusal is counted");
    }

    [Theory]
    [InlineData("{\"update_id\": 1, \"message\": ")]
    [InlineData("not json at all")]
    [InlineData("")]
    [InlineData("{\"update_id\":1}{\"update_id\":2}")]
    public async Task A_malformed_body_with_a_valid_token_is_400_and_stores_nothing(string body)
    {
        var before = await Fabric.CountAsync("SELECT COUNT(*) FROM omni_raw_events");
        await Hooks.PostAsync(body).ExpectProblemAsync(HttpStatusCode.BadRequest, "malformed_payload");
        Assert.Equal(before, await Fabric.CountAsync("SELECT COUNT(*) FROM omni_raw_events"));
    }

    [Fact]
    public async Task A_body_over_the_limit_is_413_and_stores_nothing()
    {
        long chat = Telegram.Unique();
        var text = new string('x', (int)EventFabricFactory.MaxBodyBytes);
        await Hooks.PostAsync(Telegram.Message(Telegram.Unique(), Telegram.Unique(), chat, text)).ExpectProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");

        // Without a Content-Length the limit still holds while reading.
        using var chunked = new HttpRequestMessage(HttpMethod.Post, Api.Url($"/webhooks/telegram/{EventFabricFactory.TelegramInstance}"))
        {
            Content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(Telegram.Message(Telegram.Unique(), Telegram.Unique(), chat, text)))),
        };
        chunked.Headers.TransferEncodingChunked = true;
        chunked.Headers.Add("X-Telegram-Bot-Api-Secret-Token", EventFabricFactory.TelegramSecret);
        await Hooks.SendAsync(chunked).ExpectProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");

        Assert.Equal(0L, await RawRowsOfChatAsync(chat));
    }

    [Theory]
    [InlineData("telegram", "no-such-instance", "unknown_instance")]
    [InlineData("no-such-provider", "bot", "unknown_provider")]
    public async Task An_unknown_provider_or_instance_is_404(string provider, string instance, string code)
    {
        var body = Telegram.Message(Telegram.Unique(), Telegram.Unique(), Telegram.Unique(), "anyone?");
        await Hooks.PostAsync(body, instance: instance, provider: provider).ExpectProblemAsync(HttpStatusCode.NotFound, code);
    }

    [Fact]
    public async Task Concurrent_redeliveries_are_all_acknowledged_and_recorded_once()
    {
        long update = Telegram.Unique(), chat = Telegram.Unique();
        var body = Telegram.Message(update, Telegram.Unique(), chat, "only once");
        // The same update re-sent with other bytes (a provider re-serializing it) is the same event too.
        var reserialized = body.Replace("\"date\":1732400000", "\"date\": 1732400000", StringComparison.Ordinal);

        var responses = await Task.WhenAll(Enumerable.Range(0, 24).Select(i => Hooks.PostAsync(i % 3 == 0 ? reserialized : body)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var statuses = await Task.WhenAll(responses.Select(async r => (await r.JsonAsync()).GetProperty("status").GetString()));
        Assert.Equal(2, statuses.Count(s => s == "accepted"));
        Assert.Equal(2L, await RawRowsOfChatAsync(chat));
        await ApiClient.UntilChatEventsAsync(chat, 1);
        await Eventually.Until(() => Fabric.CountAsync("SELECT COUNT(*) FROM omni_raw_events WHERE body LIKE @chat AND processed_at IS NOT NULL",
            ("@chat", $"%\"id\":{chat},\"first_name\"%")), n => n == 2, Api.Deadline, "both raw captures processed");
        Assert.Single(await ApiClient.ChatEventsAsync(chat));
        Assert.Equal(1L, await Fabric.CountAsync("SELECT COUNT(*) FROM omni_events WHERE provider = 'telegram' AND provider_event_id = @id",
            ("@id", update.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        foreach (var r in responses)
        {
            r.Dispose();
        }
    }

    [Fact]
    public async Task A_payload_no_normalizer_understands_is_stored_as_unknown()
    {
        long update = Telegram.Unique();
        var body = "{\"update_id\":" + update + ",\"some_future_update\":{\"id\":7,\"chat\":{\"id\":1}}}";

        await Hooks.PostAsync(body).ExpectAsync(HttpStatusCode.OK);

        var type = await Eventually.Until(() => Fabric.Database.ScalarAsync("SELECT event_type FROM omni_events WHERE provider_event_id = @id",
            ("@id", update.ToString(System.Globalization.CultureInfo.InvariantCulture))), t => t is not null, Api.Deadline, "the unknown event is stored");
        Assert.Equal("unknown", type);
    }

    [Fact]
    public async Task Instances_are_managed_through_the_api_and_secrets_never_come_back()
    {
        var name = "bot-" + Guid.NewGuid().ToString("N")[..8];
        const string secret = "s3cret-token-value";

        var created = await ApiClient.PostJsonAsync("/api/webhook-instances", new { provider = "telegram", instance = name, secret })
            .ExpectAsync(HttpStatusCode.Created);
        Assert.Equal($"/webhooks/telegram/{name}", created.GetProperty("url").GetString());
        Assert.DoesNotContain(secret, created.GetRawText(), StringComparison.Ordinal);
        var list = await ApiClient.GetAsync("/api/webhook-instances").ExpectAsync(HttpStatusCode.OK);
        Assert.DoesNotContain(secret, list.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain(EventFabricFactory.TelegramSecret, list.GetRawText(), StringComparison.Ordinal);
        Assert.Contains(list.GetProperty("items").EnumerateArray(), i => i.GetProperty("instance").GetString() == EventFabricFactory.TelegramInstance
            && i.GetProperty("source").GetString() == "configuration");
        await ApiClient.PostJsonAsync("/api/webhook-instances", new { provider = "telegram", instance = name, secret })
            .ExpectProblemAsync(HttpStatusCode.Conflict, "conflict");

        long chat = Telegram.Unique();
        await Hooks.PostAsync(Telegram.Message(Telegram.Unique(), Telegram.Unique(), chat, "hi"), secret, name).ExpectAsync(HttpStatusCode.OK);
        await Hooks.PostAsync(Telegram.Message(Telegram.Unique(), Telegram.Unique(), chat, "hi"), EventFabricFactory.TelegramSecret, name)
            .ExpectProblemAsync(HttpStatusCode.Unauthorized, "signature_invalid");

        var replaced = await ApiClient.PutJsonAsync($"/api/webhook-instances/telegram/{name}", new { secret = "rotated-secret" }).ExpectAsync(HttpStatusCode.OK);
        Assert.DoesNotContain("rotated-secret", replaced.GetRawText(), StringComparison.Ordinal);
        await Hooks.PostAsync(Telegram.Message(Telegram.Unique(), Telegram.Unique(), chat, "hi"), secret, name)
            .ExpectProblemAsync(HttpStatusCode.Unauthorized, "signature_invalid");
        await Hooks.PostAsync(Telegram.Message(Telegram.Unique(), Telegram.Unique(), chat, "hi"), "rotated-secret", name).ExpectAsync(HttpStatusCode.OK);

        (await ApiClient.DeleteAsync(Api.Url($"/api/webhook-instances/telegram/{name}"))).Dispose();
        await ApiClient.GetAsync($"/api/webhook-instances/telegram/{name}").ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        await Hooks.PostAsync(Telegram.Message(Telegram.Unique(), Telegram.Unique(), chat, "hi"), "rotated-secret", name)
            .ExpectProblemAsync(HttpStatusCode.NotFound, "unknown_instance");
    }

    [Theory]
    [InlineData("""{"provider":"telegram","instance":"x1"}""", "validation_failed")]
    [InlineData("""{"provider":"pigeon","instance":"x1","secret":"s"}""", "validation_failed")]
    [InlineData("""{"provider":"telegram","instance":"has space","secret":"s"}""", "validation_failed")]
    [InlineData("""{"provider":"telegram",""", "malformed_payload")]
    public async Task A_bad_instance_is_400(string body, string code) =>
        await ApiClient.PostJsonAsync("/api/webhook-instances", body).ExpectProblemAsync(HttpStatusCode.BadRequest, code);

    [Fact]
    public async Task Instance_management_needs_the_api_key_and_webhooks_do_not()
    {
        await Hooks.GetAsync("/api/webhook-instances").ExpectProblemAsync(HttpStatusCode.Unauthorized, "api_key_missing");
        await Hooks.PostAsync(Telegram.Message(Telegram.Unique(), Telegram.Unique(), Telegram.Unique(), "no key needed")).ExpectAsync(HttpStatusCode.OK);
    }
}

[Collection(SqliteEventFabricCollection.Name)]
public sealed class SqliteWebhookIngressTests(SqliteEventFabric factory) : WebhookIngressTests(factory);

[Collection(PostgresEventFabricCollection.Name)]
public sealed class PostgresWebhookIngressTests(PostgresEventFabric factory) : WebhookIngressTests(factory);
