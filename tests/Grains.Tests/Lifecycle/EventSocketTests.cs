using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OmniActors.Lifecycle;
using OmniActors.Tests.Http;
using OmniActors.Tests.Support;

namespace OmniActors.Tests.Lifecycle;

/// <summary><c>/api/events/ws</c> over real Kestrel and real WebSockets, on each storage provider.</summary>
public abstract class EventSocketTests(LifecycleSiloFactory factory) : IDisposable
{
    private readonly HttpClient _client = factory.CreateApiClient();

    public void Dispose()
    {
        _client.Dispose();
        GC.SuppressFinalize(this);
    }

    private Uri SocketUri(string query) => new($"ws://{factory.BaseAddress.Authority}/api/events/ws?{query}");

    private async Task<ClientWebSocket> ConnectAsync(string query, Action<ClientWebSocketOptions>? configure = null, HttpMessageInvoker? invoker = null)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        if (configure is null)
        {
            socket.Options.SetRequestHeader("X-Api-Key", factory.ApiKey);
        }
        else
        {
            configure(socket.Options);
        }
        using var timeout = new CancellationTokenSource(Api.Deadline);
        await socket.ConnectAsync(SocketUri(query), invoker, timeout.Token);
        return socket;
    }

    private static async Task<JsonElement> ReceiveAsync(ClientWebSocket socket)
    {
        using var timeout = new CancellationTokenSource(Api.Deadline);
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                throw new InvalidOperationException($"The socket closed: {result.CloseStatus} {result.CloseStatusDescription}");
            }
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                using var doc = JsonDocument.Parse(message.ToArray());
                return doc.RootElement.Clone();
            }
        }
    }

    /// <summary>The next <paramref name="count"/> event messages (heartbeats skipped).</summary>
    private static async Task<List<JsonElement>> EventsAsync(ClientWebSocket socket, int count)
    {
        var events = new List<JsonElement>();
        while (events.Count < count)
        {
            var message = await ReceiveAsync(socket);
            if (message.GetProperty("op").GetString() == "event")
            {
                events.Add(message);
            }
        }
        return events;
    }

    private static long Seq(JsonElement message) => long.Parse(message.GetProperty("id").GetString()!, System.Globalization.CultureInfo.InvariantCulture);

    private static string Type(JsonElement message) => message.GetProperty("event").GetProperty("type").GetString()!;

    [Fact]
    public async Task The_socket_sends_events_and_resumes_from_a_sequence_without_gap_or_duplicate()
    {
        var queue = Api.UniqueQueue("ws");
        long lastSeen;
        using (var socket = await ConnectAsync($"queue={queue}"))
        {
            Assert.Equal("connected", (await ReceiveAsync(socket)).GetProperty("op").GetString());
            await _client.EnqueueAsync(new { action = "noop", queue });
            var first = await EventsAsync(socket, 3);
            Assert.Equal(["enqueued", "executing", "complete"], first.Select(Type));
            Assert.Equal(first.Select(Seq).Order(), first.Select(Seq));
            lastSeen = Seq(first[^1]);
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        }

        // While disconnected, two more tasks run.
        for (var i = 0; i < 2; i++)
        {
            await _client.UntilStatusAsync((await _client.EnqueueAsync(new { action = "noop", queue })).Id(), "succeeded");
        }
        var missed = (await _client.GetAsync($"/api/event-log?queue={queue}&cursor={lastSeen}").ExpectAsync(HttpStatusCode.OK))
            .GetProperty("items").EnumerateArray().Select(e => e.GetProperty("sequence").GetInt64()).ToList();
        Assert.Equal(6, missed.Count);

        using var resumed = await ConnectAsync($"queue={queue}&lastEventId={lastSeen}");
        Assert.Equal("connected", (await ReceiveAsync(resumed)).GetProperty("op").GetString());
        var replayed = await EventsAsync(resumed, missed.Count);
        Assert.Equal(missed, replayed.Select(Seq));

        // Then live, nothing repeated.
        var live = (await _client.EnqueueAsync(new { action = "noop", queue })).Id();
        var next = await EventsAsync(resumed, 3);
        Assert.All(next, e => Assert.Equal(live, e.GetProperty("event").GetProperty("id").GetString()));
        Assert.True(Seq(next[0]) > replayed.Max(Seq));
    }

    [Fact]
    public async Task An_idle_socket_gets_heartbeats()
    {
        using var socket = await ConnectAsync($"queue={Api.UniqueQueue("idle")}");
        Assert.Equal("connected", (await ReceiveAsync(socket)).GetProperty("op").GetString());
        Assert.Equal("heartbeat", (await ReceiveAsync(socket)).GetProperty("op").GetString());
    }

    [Fact]
    public async Task The_socket_needs_the_key_or_a_dashboard_session_from_its_own_origin()
    {
        var refused = await Assert.ThrowsAsync<WebSocketException>(() => ConnectAsync("queue=x", _ => { }));
        Assert.Contains("401", refused.Message, StringComparison.Ordinal);
        var wrongKey = await Assert.ThrowsAsync<WebSocketException>(() => ConnectAsync("queue=x", o => o.SetRequestHeader("X-Api-Key", "nope")));
        Assert.Contains("401", wrongKey.Message, StringComparison.Ordinal);

        // A dashboard session cookie, as a browser holds it after logging in.
        using var login = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = factory.BaseAddress };
        using var response = await login.PostAsync(Api.Url("/dashboard/login"), new FormUrlEncodedContent([new("key", factory.ApiKey)]));
        var cookie = response.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]).Single(c => c.StartsWith("omni_dashboard=", StringComparison.Ordinal));

        var crossSite = await Assert.ThrowsAsync<WebSocketException>(() => ConnectAsync("queue=x", o =>
        {
            o.SetRequestHeader("Cookie", cookie);
            o.SetRequestHeader("Origin", "http://evil.example");
        }));
        Assert.Contains("403", crossSite.Message, StringComparison.Ordinal);

        using var sameOrigin = await ConnectAsync("queue=x", o =>
        {
            o.SetRequestHeader("Cookie", cookie);
            o.SetRequestHeader("Origin", $"http://{factory.BaseAddress.Authority}");
        });
        Assert.Equal("connected", (await ReceiveAsync(sameOrigin)).GetProperty("op").GetString());

        // A plain GET is told what the route wants.
        await _client.GetAsync("/api/events/ws").ExpectProblemAsync(HttpStatusCode.BadRequest, "websocket_expected");
    }

    [Fact]
    public async Task A_socket_client_that_stops_reading_is_dropped()
    {
        var queue = Api.UniqueQueue("wsslow");
        var tail = factory.Services.GetRequiredService<EventLogTail>();
        var droppedBefore = tail.DroppedListeners;
        // A tiny receive window, and no reads after the handshake.
        using var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, token) =>
            {
                var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 1024 };
                await s.ConnectAsync(context.DnsEndPoint, token);
                return new NetworkStream(s, ownsSocket: true);
            },
        };
        using var invoker = new HttpMessageInvoker(handler);
        using var slow = await ConnectAsync($"queue={queue}", o => o.SetRequestHeader("X-Api-Key", factory.ApiKey), invoker);

        var enqueued = 0;
        for (var round = 0; round < 60 && tail.DroppedListeners == droppedBefore; round++)
        {
            var batch = Enumerable.Range(0, 100).Select(_ => new { action = "noop", queue, payload = new { pad = new string('x', 400) } }).ToArray();
            await _client.PostJsonAsync("/api/tasks/batch", new { tasks = batch }).ExpectAsync(HttpStatusCode.OK);
            enqueued += batch.Length;
            await Eventually.Until(() => factory.Database.ScalarAsync("SELECT count(*) FROM omni_event_log WHERE queue = @q", ("@q", queue)),
                n => Convert.ToInt64(n, System.Globalization.CultureInfo.InvariantCulture) >= enqueued * 3L, TimeSpan.FromSeconds(60), "the round's tasks finished");
        }
        Assert.True(tail.DroppedListeners > droppedBefore, $"the slow socket was dropped after {enqueued} tasks");
    }
}

[Collection(SqliteLifecycleCollection.Name)]
public sealed class SqliteEventSocketTests(SqliteLifecycleSilo factory) : EventSocketTests(factory);

[Collection(PostgresLifecycleCollection.Name)]
public sealed class PostgresEventSocketTests(PostgresLifecycleSilo factory) : EventSocketTests(factory);
