using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OmniActors.Lifecycle;
using OmniActors.Queues;
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

    private static string Op(JsonElement message) => message.GetProperty("op").GetString()!;

    /// <summary>The next <paramref name="count"/> event messages, approval-required ones included (heartbeats and queue status skipped).</summary>
    private static async Task<List<JsonElement>> EventsAsync(ClientWebSocket socket, int count)
    {
        var events = new List<JsonElement>();
        while (events.Count < count)
        {
            var message = await ReceiveAsync(socket);
            if (Op(message) is "event" or "approval_required")
            {
                events.Add(message);
            }
        }
        return events;
    }

    /// <summary>Reads until a queue status satisfying <paramref name="wanted"/> arrives; returns every message read, that one last.</summary>
    private static async Task<List<JsonElement>> UntilStatusAsync(ClientWebSocket socket, Func<JsonElement, bool> wanted)
    {
        var read = new List<JsonElement>();
        var deadline = DateTime.UtcNow + Api.Deadline;
        while (DateTime.UtcNow < deadline)
        {
            var message = await ReceiveAsync(socket);
            read.Add(message);
            if (Op(message) == "queue_status" && wanted(message.GetProperty("status")))
            {
                return read;
            }
        }
        var last = read.LastOrDefault(m => Op(m) == "queue_status");
        throw new TimeoutException($"No wanted queue status within {Api.Deadline}; the last one: {(last.ValueKind == JsonValueKind.Undefined ? "none" : last.GetProperty("status").ToString())}");
    }

    private static int Figure(JsonElement status, string name) => status.GetProperty(name).GetInt32();

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

        // While disconnected, two more tasks run, and one waits for approval.
        for (var i = 0; i < 2; i++)
        {
            await _client.UntilStatusAsync((await _client.EnqueueAsync(new { action = "noop", queue })).Id(), "succeeded");
        }
        var waiting = (await _client.EnqueueAsync(new { action = "echo", queue, requiresApproval = true })).Id();
        var missed = (await _client.GetAsync($"/api/event-log?queue={queue}&cursor={lastSeen}").ExpectAsync(HttpStatusCode.OK))
            .GetProperty("items").EnumerateArray().Select(e => e.GetProperty("sequence").GetInt64()).ToList();
        Assert.Equal(7, missed.Count);

        using var resumed = await ConnectAsync($"queue={queue}&lastEventId={lastSeen}");
        Assert.Equal("connected", (await ReceiveAsync(resumed)).GetProperty("op").GetString());
        var replayed = await EventsAsync(resumed, missed.Count);
        Assert.Equal(missed, replayed.Select(Seq));
        Assert.Equal(waiting, replayed.Single(e => Op(e) == "approval_required").GetProperty("event").GetProperty("id").GetString());

        // Then live, nothing repeated.
        var live = (await _client.EnqueueAsync(new { action = "noop", queue })).Id();
        var next = await EventsAsync(resumed, 3);
        Assert.All(next, e => Assert.Equal(live, e.GetProperty("event").GetProperty("id").GetString()));
        Assert.True(Seq(next[0]) > replayed.Max(Seq));
    }

    [Fact]
    public async Task An_idle_socket_gets_its_queues_status_once_then_only_heartbeats()
    {
        var queue = Api.UniqueQueue("idle");
        using var socket = await ConnectAsync($"queue={queue}");
        Assert.Equal("connected", Op(await ReceiveAsync(socket)));
        var first = await ReceiveAsync(socket);
        Assert.Equal("queue_status", Op(first));
        var status = first.GetProperty("status");
        Assert.Equal(queue, status.GetProperty("queue").GetString());
        Assert.Equal([0, 0, 0], new[] { Figure(status, "ready"), Figure(status, "scheduled"), Figure(status, "running") });
        Assert.False(status.GetProperty("paused").GetBoolean());

        // Nothing changes: the queue is read every second, but only heartbeats go out (300 ms apart: over 2 s of them).
        var board = factory.Services.GetRequiredService<QueueStatusBoard>();
        var pollsBefore = board.Polls;
        var idle = new List<string>();
        while (idle.Count < 8 || board.Polls < pollsBefore + 2)
        {
            idle.Add(Op(await ReceiveAsync(socket)));
        }
        Assert.All(idle, op => Assert.Equal("heartbeat", op));
    }

    [Fact]
    public async Task An_idle_socket_without_snapshots_gets_heartbeats()
    {
        using var socket = await ConnectAsync($"queue={Api.UniqueQueue("idle")}&snapshots=false");
        Assert.Equal("connected", Op(await ReceiveAsync(socket)));
        Assert.Equal("heartbeat", Op(await ReceiveAsync(socket)));
    }

    [Fact]
    public async Task Queue_status_snapshots_follow_depth_running_and_pause_at_most_once_a_second()
    {
        var queue = Api.UniqueQueue("wsstatus");
        // Only dead-letter events (none here): the test reads the socket only between its HTTP calls, and the burst's
        // lifecycle events would get an unread socket dropped for falling behind.
        using var socket = await ConnectAsync($"queue={queue}&type=dead_lettered");
        Assert.Equal("connected", Op(await ReceiveAsync(socket)));
        await UntilStatusAsync(socket, s => Figure(s, "scheduled") == 0);

        // A task due in an hour: scheduled.
        var later = (await _client.EnqueueAsync(new { action = "noop", queue, delaySeconds = 3600 })).Id();
        await UntilStatusAsync(socket, s => Figure(s, "scheduled") == 1 && Figure(s, "ready") == 0);

        // Paused, then a ready task stays ready.
        await _client.PostJsonAsync($"/api/queues/{queue}/pause", new { }).ExpectAsync(HttpStatusCode.OK);
        await UntilStatusAsync(socket, s => s.GetProperty("paused").GetBoolean());
        var ready = (await _client.EnqueueAsync(new { action = "noop", queue })).Id();
        await UntilStatusAsync(socket, s => Figure(s, "ready") == 1 && s.GetProperty("paused").GetBoolean());

        // Resumed: it runs and the queue is back to the delayed task alone.
        await _client.PostJsonAsync($"/api/queues/{queue}/resume", new { }).ExpectAsync(HttpStatusCode.OK);
        await _client.UntilStatusAsync(ready, "succeeded");
        var read = await UntilStatusAsync(socket, s => !s.GetProperty("paused").GetBoolean() && Figure(s, "ready") == 0 && Figure(s, "scheduled") == 1);

        // A burst of tasks (held back by a pause until the socket has seen them all, since a burst that drains between two
        // polls changes nothing a snapshot shows): the figures change all the time, yet statuses come at most once per
        // interval (1 s).
        await _client.PostJsonAsync($"/api/queues/{queue}/pause", new { }).ExpectAsync(HttpStatusCode.OK);
        var burst = Enumerable.Range(0, 300).Select(_ => new { action = "noop", queue }).ToArray();
        await _client.PostJsonAsync("/api/tasks/batch", new { tasks = burst }).ExpectAsync(HttpStatusCode.OK);
        read.AddRange(await UntilStatusAsync(socket, s => Figure(s, "ready") == burst.Length));
        await _client.PostJsonAsync($"/api/queues/{queue}/resume", new { }).ExpectAsync(HttpStatusCode.OK);
        read.AddRange(await UntilStatusAsync(socket, s => !s.GetProperty("paused").GetBoolean()
            && Figure(s, "ready") == 0 && Figure(s, "running") == 0 && Figure(s, "scheduled") == 1));
        var times = read.Where(m => Op(m) == "queue_status").Select(m => m.GetProperty("status").GetProperty("at").GetDateTimeOffset()).ToList();
        Assert.All(times.Zip(times.Skip(1)), pair => Assert.True(pair.Second - pair.First >= TimeSpan.FromMilliseconds(900),
            $"two statuses of one queue {(pair.Second - pair.First).TotalMilliseconds} ms apart"));
        await _client.PostJsonAsync($"/api/tasks/{later}/cancel", new { reason = "test over" }).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_task_awaiting_approval_arrives_as_approval_required_on_its_queues_sockets_only()
    {
        var queue = Api.UniqueQueue("wsapprove");
        var other = Api.UniqueQueue("wsother");
        using var socket = await ConnectAsync($"queue={queue}&snapshots=false");
        using var elsewhere = await ConnectAsync($"queue={other}");
        Assert.Equal("connected", Op(await ReceiveAsync(socket)));
        Assert.Equal("connected", Op(await ReceiveAsync(elsewhere)));

        var id = (await _client.EnqueueAsync(new { action = "echo", queue, requiresApproval = true })).Id();
        var approval = (await EventsAsync(socket, 1)).Single();
        Assert.Equal("approval_required", Op(approval));
        Assert.Equal(id, approval.GetProperty("event").GetProperty("id").GetString());
        Assert.Equal("awaiting_approval", Type(approval));
        Assert.Equal(queue, approval.GetProperty("event").GetProperty("queue").GetString());

        // Decided: the rest are plain events.
        await _client.PostJsonAsync($"/api/approvals/{id}/accept", new { by = "tester" }).ExpectAsync(HttpStatusCode.OK);
        var after = await EventsAsync(socket, 2);
        Assert.All(after, e => Assert.Equal("event", Op(e)));
        Assert.Equal("approved", Type(after[0]));

        // The other queue's socket saw neither the approval nor the queue's status: its first event is its own task's.
        var mine = (await _client.EnqueueAsync(new { action = "noop", queue = other })).Id();
        var seen = new List<JsonElement>();
        while (seen.Count == 0 || Op(seen[^1]) != "event")
        {
            seen.Add(await ReceiveAsync(elsewhere));
        }
        Assert.Equal(mine, seen[^1].GetProperty("event").GetProperty("id").GetString());
        Assert.All(seen.Where(m => Op(m) == "queue_status"), m => Assert.Equal(other, m.GetProperty("status").GetProperty("queue").GetString()));
        Assert.DoesNotContain(seen, m => Op(m) == "approval_required");
    }

    [Theory]
    [InlineData("snapshots=maybe", "invalid_snapshots")]
    [InlineData("type=exploded", "invalid_event_type")]
    [InlineData("kind=planet", "invalid_event_kind")]
    [InlineData("lastEventId=-3", "invalid_last_event_id")]
    [InlineData("backfill=100000", "invalid_backfill")]
    public async Task Bad_query_parameters_get_a_coded_problem_before_the_handshake(string query, string code)
    {
        await _client.GetAsync($"/api/events/ws?{query}").ExpectProblemAsync(HttpStatusCode.BadRequest, code);
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.SetRequestHeader("X-Api-Key", factory.ApiKey);
        using var timeout = new CancellationTokenSource(Api.Deadline);
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(SocketUri(query), timeout.Token));
        Assert.Equal(HttpStatusCode.BadRequest, socket.HttpStatusCode);
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
