using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Org.BouncyCastle.Math.EC.Rfc8032;
using OmniActors.Tests.Http;
using OmniActors.Tests.Support;

namespace OmniActors.Tests.Events;

/// <summary>The real providers end to end over HTTP: WhatsApp's handshake and body signature, Evolution's token and @lid aliases.</summary>
public abstract class ProviderWebhookTests(EventFabricFactory factory) : EventFabricTest(factory)
{
    private async Task<string> InstanceAsync(string provider, string secret, string? verifyToken = null)
    {
        var name = provider + "-" + Guid.NewGuid().ToString("N")[..8];
        await ApiClient.PutJsonAsync($"/api/webhook-instances/{provider}/{name}", new { secret, verify_token = verifyToken }).ExpectAsync(HttpStatusCode.Created);
        return name;
    }

    [Fact]
    public async Task WhatsApp_subscription_handshake_echoes_the_challenge_only_for_the_verify_token()
    {
        var name = await InstanceAsync("whatsapp", "app-secret", "verify-me");

        using var ok = await Hooks.GetAsync(Api.Url($"/webhooks/whatsapp/{name}?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444"));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("1158201444", await ok.Content.ReadAsStringAsync());
        await Hooks.GetAsync($"/webhooks/whatsapp/{name}?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1")
            .ExpectProblemAsync(HttpStatusCode.Forbidden, "handshake_rejected");
        await Hooks.GetAsync($"/webhooks/whatsapp/{name}?hub.mode=unsubscribe&hub.verify_token=verify-me&hub.challenge=1")
            .ExpectProblemAsync(HttpStatusCode.Forbidden, "handshake_rejected");
        await Hooks.GetAsync("/webhooks/whatsapp/nobody?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1")
            .ExpectProblemAsync(HttpStatusCode.NotFound, "unknown_instance");
    }

    [Fact]
    public async Task WhatsApp_posts_are_accepted_only_with_the_app_secret_signature_of_the_exact_body()
    {
        const string secret = "wa-app-secret";
        var name = await InstanceAsync("whatsapp", secret, "v");
        var messageId = "wamid.HBgN" + Guid.NewGuid().ToString("N");
        var from = "5511" + Random.Shared.Next(10_000_000, 99_999_999);
        var body = $$$"""
            {"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"field":"messages","value":{
              "messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},
              "contacts":[{"profile":{"name":"Sheena Nelson"},"wa_id":"{{{from}}}"}],
              "messages":[{"from":"{{{from}}}","id":"{{{messageId}}}","timestamp":"1749416383","type":"text","text":{"body":"Does it come in another color?"}}]}}]}]}
            """;
        var signature = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(body)));

        await Post(name, body, null).ExpectProblemAsync(HttpStatusCode.Unauthorized, "signature_missing");
        await Post(name, body.Replace("another color", "another colour", StringComparison.Ordinal), signature).ExpectProblemAsync(HttpStatusCode.Unauthorized, "signature_invalid");
        await Post(name, body, "sha256=" + new string('0', 64)).ExpectProblemAsync(HttpStatusCode.Unauthorized, "signature_invalid");
        Assert.Equal(0L, await Fabric.CountAsync("SELECT COUNT(*) FROM omni_raw_events WHERE instance = @i", ("@i", name)));

        await Post(name, body, signature).ExpectAsync(HttpStatusCode.OK);

        var e = await Eventually.Until(() => ApiClient.GetAsync($"/api/events?instance={name}").ExpectAsync(HttpStatusCode.OK),
            p => p.GetProperty("items").GetArrayLength() == 1, Api.Deadline, "the WhatsApp message is stored");
        var item = e.GetProperty("items")[0];
        Assert.Equal(messageId, item.GetProperty("provider_event_id").GetString());
        Assert.Equal("Does it come in another color?", item.GetProperty("text").GetString());
        Assert.Equal(from, item.GetProperty("sender_handle").GetString());

        Task<HttpResponseMessage> Post(string instance, string json, string? sig)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, Api.Url($"/webhooks/whatsapp/{instance}"))
            {
                Content = new StringContent(json, Encoding.UTF8, "application/json"),
            };
            if (sig is not null)
            {
                request.Headers.Add("X-Hub-Signature-256", sig);
            }
            return Hooks.SendAsync(request);
        }
    }

    [Fact]
    public async Task Evolution_apikey_is_never_stored_and_lid_and_phone_jids_stay_one_person()
    {
        const string token = "B6D711FCDE4D4FD5936544120E713976";
        var name = await InstanceAsync("evolution", token);
        var n = Random.Shared.NextInt64(100_000_000_000, 999_999_999_999);
        var lid = $"{n}@lid";
        var phone = $"55{n % 1_000_000_000}@s.whatsapp.net";

        string Upsert(string id, string text, string remoteJid, string keyExtra = "") => $$$"""
            {"event":"messages.upsert","instance":"{{{name}}}","data":{"key":{"remoteJid":"{{{remoteJid}}}","fromMe":false,"id":"{{{id}}}"{{{keyExtra}}}},
             "pushName":"Helena Souza","message":{"conversation":"{{{text}}}"},"messageType":"conversation","messageTimestamp":1753614857},
             "destination":"https://omni.example.com/webhooks/evolution/{{{name}}}","date_time":"2025-11-21T21:22:41.518Z",
             "sender":"5511988887777@s.whatsapp.net","server_url":"http://evolution:8080","apikey":"{{{token}}}"}
            """;

        await Hooks.PostJsonAsync($"/webhooks/evolution/{name}", Upsert("3EB0L1" + n, "only lid", lid)).ExpectAsync(HttpStatusCode.OK);
        await Hooks.PostJsonAsync($"/webhooks/evolution/{name}", Upsert("3EB0L2" + n, "lid with phone", lid, $",\"remoteJidAlt\":\"{phone}\",\"addressingMode\":\"lid\""))
            .ExpectAsync(HttpStatusCode.OK);
        await Hooks.PostJsonAsync($"/webhooks/evolution/{name}", Upsert("3EB0L3" + n, "phone only", phone)).ExpectAsync(HttpStatusCode.OK);
        await Hooks.PostJsonAsync($"/webhooks/evolution/{name}", Upsert("3EB0L4" + n, "forged", phone).Replace(token, "WRONG", StringComparison.Ordinal))
            .ExpectProblemAsync(HttpStatusCode.Unauthorized, "signature_invalid");

        var page = await Eventually.Until(() => ApiClient.GetAsync($"/api/events?instance={name}").ExpectAsync(HttpStatusCode.OK),
            p => p.GetProperty("items").GetArrayLength() == 3, Api.Deadline, "three Evolution messages stored");
        // Ingest runs concurrently: an event may have been stored under an identity merged a moment later; it forwards.
        var survivors = new HashSet<string>();
        foreach (var e in page.GetProperty("items").EnumerateArray())
        {
            var resolved = await ApiClient.GetAsync($"/api/identities/{e.GetProperty("sender_identity_id").GetString()}").ExpectAsync(HttpStatusCode.OK);
            survivors.Add(resolved.GetProperty("id").GetString()!);
        }
        var identity = Assert.Single(survivors);
        var info = await ApiClient.GetAsync($"/api/identities/{identity}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(3, (await ApiClient.GetAsync($"/api/identities/{identity}/events").ExpectAsync(HttpStatusCode.OK)).GetProperty("items").GetArrayLength());
        var handles = info.GetProperty("handles").EnumerateArray().Select(h => h.GetProperty("handle").GetString()).ToHashSet();
        Assert.Contains(lid, handles);
        Assert.Contains(phone, handles);

        var bodies = await Fabric.Database.RowsAsync("SELECT body FROM omni_raw_events WHERE instance = @i", ("@i", name));
        Assert.Equal(3, bodies.Count);
        Assert.All(bodies, row =>
        {
            var body = (string)row[0]!;
            Assert.DoesNotContain(token, body, StringComparison.Ordinal);
            using var doc = JsonDocument.Parse(body);
            Assert.False(doc.RootElement.TryGetProperty("apikey", out _));
        });
    }

    [Fact]
    public async Task A_delivery_state_is_stored_listed_by_it_and_the_processing_state_is_named_apart()
    {
        const string token = "B6D711FCDE4D4FD5936544120E713976";
        var name = await InstanceAsync("evolution", token);
        string Update(string id, string status) => $$$"""
            {"event":"messages.update","instance":"{{{name}}}","data":{"keyId":"{{{id}}}","remoteJid":"5511999998888@s.whatsapp.net",
             "fromMe":true,"status":"{{{status}}}","instanceId":"bae4c1f0"},"date_time":"2025-11-21T21:22:41.518Z",
             "sender":"5511988887777@s.whatsapp.net","apikey":"{{{token}}}"}
            """;
        await Hooks.PostJsonAsync($"/webhooks/evolution/{name}", Update("3EB0S1", "READ")).ExpectAsync(HttpStatusCode.OK);
        await Hooks.PostJsonAsync($"/webhooks/evolution/{name}", Update("3EB0S2", "ERROR")).ExpectAsync(HttpStatusCode.OK);
        await Eventually.Until(() => ApiClient.GetAsync($"/api/events?instance={name}").ExpectAsync(HttpStatusCode.OK),
            p => p.GetProperty("items").GetArrayLength() == 2, Api.Deadline, "both statuses stored");

        var failed = await ApiClient.GetAsync($"/api/events?instance={name}&delivery_status=failed").ExpectAsync(HttpStatusCode.OK);
        var item = Assert.Single(failed.GetProperty("items").EnumerateArray());
        Assert.Equal("failed", item.GetProperty("delivery_status").GetString());
        Assert.Equal("3EB0S2", item.GetProperty("reply_to").GetString());
        var one = await ApiClient.GetAsync($"/api/events/{item.GetProperty("id").GetString()}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("failed", one.GetProperty("delivery_status").GetString());
        Assert.True(one.TryGetProperty("processing_status", out _));
        Assert.False(one.TryGetProperty("status", out _));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Evolution_edit_is_its_own_event_whichever_arrives_first_at_webhook_by_events_urls(bool editFirst)
    {
        const string token = "B6D711FCDE4D4FD5936544120E713976";
        var name = await InstanceAsync("evolution", token);
        var id = "3EB0ED" + Random.Shared.NextInt64(100_000_000, 999_999_999);
        string Envelope(string @event, string data) => $$$"""
            {"event":"{{{@event}}}","instance":"{{{name}}}","data":{{{data}}},
             "destination":"https://omni.example.com/webhooks/evolution/{{{name}}}","date_time":"2025-11-21T21:22:41.518Z",
             "sender":"5511988887777@s.whatsapp.net","server_url":"http://evolution:8080","apikey":"{{{token}}}"}
            """;
        var original = Envelope("messages.upsert", $$$"""
            {"key":{"remoteJid":"5511999998888@s.whatsapp.net","fromMe":false,"id":"{{{id}}}"},"pushName":"Helena",
             "message":{"conversation":"Oi, tudo bem?"},"messageType":"conversation","messageTimestamp":1753614857}
            """);
        var edit = Envelope("messages.edited", $$$"""
            {"key":{"remoteJid":"5511999998888@s.whatsapp.net","fromMe":false,"id":"{{{id}}}"},"type":"MESSAGE_EDIT",
             "editedMessage":{"conversation":"Oi, tudo bem? (corrigido)"},"timestampMs":"1753614900000"}
            """);

        foreach (var (suffix, body) in editFirst ? new[] { ("messages-edited", edit), ("messages-upsert", original) } : [("messages-upsert", original), ("messages-edited", edit)])
        {
            await Hooks.PostJsonAsync($"/webhooks/evolution/{name}/{suffix}", body).ExpectAsync(HttpStatusCode.OK);
        }

        var page = await Eventually.Until(() => ApiClient.GetAsync($"/api/events?instance={name}").ExpectAsync(HttpStatusCode.OK),
            p => p.GetProperty("items").GetArrayLength() == 2, Api.Deadline, "the message and its edit stored");
        var events = page.GetProperty("items").EnumerateArray().ToList();
        var message = Assert.Single(events, e => e.GetProperty("event_type").GetString() == "message");
        var edited = Assert.Single(events, e => e.GetProperty("event_type").GetString() == "edit");
        Assert.Equal("Oi, tudo bem?", message.GetProperty("text").GetString());
        Assert.Equal("Oi, tudo bem? (corrigido)", edited.GetProperty("text").GetString());
        Assert.Equal(id, edited.GetProperty("reply_to").GetString());
    }

    [Fact]
    public async Task Discord_ping_is_answered_with_pong_and_a_forged_interaction_is_refused()
    {
        var privateKey = RandomNumberGenerator.GetBytes(Ed25519.SecretKeySize);
        var publicKey = new byte[Ed25519.PublicKeySize];
        Ed25519.GeneratePublicKey(privateKey, 0, publicKey, 0);
        var name = await InstanceAsync("discord", Convert.ToHexStringLower(publicKey));
        var ping = $$$"""{"id":"{{{Random.Shared.NextInt64(1_000_000_000_000, 9_999_999_999_999)}}}","application_id":"1180000000000000000","type":1,"token":"tok","version":1}""";
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);

        using (var pong = await Post(ping, Sign(timestamp, ping), timestamp))
        {
            Assert.Equal(HttpStatusCode.OK, pong.StatusCode);
            Assert.Equal("application/json", pong.Content.Headers.ContentType?.MediaType);
            using var doc = JsonDocument.Parse(await pong.Content.ReadAsStringAsync());
            Assert.Equal(1, doc.RootElement.GetProperty("type").GetInt32());
        }
        await Post(ping, Sign(timestamp, ping), "1").ExpectProblemAsync(HttpStatusCode.Unauthorized, "signature_invalid");
        await Post(ping, null, timestamp).ExpectProblemAsync(HttpStatusCode.Unauthorized, "signature_missing");
        // Rightly signed, but outside the 5-minute window either way: a replay (or a clock far off) is refused.
        foreach (var off in new[] { -TimeSpan.FromMinutes(6), TimeSpan.FromMinutes(6) })
        {
            var stale = DateTimeOffset.UtcNow.Add(off).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
            await Post(ping, Sign(stale, ping), stale).ExpectProblemAsync(HttpStatusCode.Unauthorized, "signature_stale");
        }
        Assert.Equal(1L, await Fabric.CountAsync("SELECT COUNT(*) FROM omni_raw_events WHERE instance = @i", ("@i", name)));

        string Sign(string ts, string body)
        {
            var message = Encoding.UTF8.GetBytes(ts + body);
            var signature = new byte[Ed25519.SignatureSize];
            Ed25519.Sign(privateKey, 0, message, 0, message.Length, signature, 0);
            return Convert.ToHexStringLower(signature);
        }

        Task<HttpResponseMessage> Post(string body, string? signature, string ts)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, Api.Url($"/webhooks/discord/{name}"))
            {
                Content = new StringContent(body, Encoding.UTF8, "application/json"),
            };
            if (signature is not null)
            {
                request.Headers.Add("X-Signature-Ed25519", signature);
            }
            request.Headers.Add("X-Signature-Timestamp", ts);
            return Hooks.SendAsync(request);
        }
    }
}

[Collection(SqliteEventFabricCollection.Name)]
public sealed class SqliteProviderWebhookTests(SqliteEventFabric factory) : ProviderWebhookTests(factory);

[Collection(PostgresEventFabricCollection.Name)]
public sealed class PostgresProviderWebhookTests(PostgresEventFabric factory) : ProviderWebhookTests(factory);
