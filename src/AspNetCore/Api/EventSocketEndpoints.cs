using System.Globalization;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using OmniActors.Errors;
using OmniActors.Lifecycle;
using OmniActors.Queues;
using OmniActors.Silo.Dashboard;

namespace OmniActors.Silo.Api;

/// <summary>
/// <c>GET /api/events/ws</c>: the lifecycle events of <c>/api/events/stream</c> over a WebSocket, with the same filters,
/// <c>lastEventId</c> to resume without gap or duplicate, and <c>backfill</c>. Each message is one JSON text frame:
/// <c>{"op":"connected","after":n}</c> first, then <c>{"op":"event","id":"seq","event":{…}}</c> (<c>"op":"approval_required"</c>
/// for a task now waiting for a human decision), <c>{"op":"queue_status","status":{…}}</c> on connect and whenever a queue's
/// figures change (coalesced by <see cref="QueueStatusBoard"/>; <c>snapshots=false</c> leaves them out), and
/// <c>{"op":"heartbeat"}</c> when idle. A client that falls behind is dropped (closed with 1008) rather than waited on.
/// Auth is the API's (key, or the dashboard cookie); with the cookie the handshake must come from this origin, since
/// WebSockets have no CORS and a browser would send the cookie from any page.
/// </summary>
internal static class EventSocketEndpoints
{
    public static RouteGroupBuilder MapEventSocket(this RouteGroupBuilder api)
    {
        api.MapGet("/events/ws", Socket).WithTags("Events").WithName("EventsWebSocket")
            .WithSummary("Lifecycle events, approval-required events and queue status snapshots over a WebSocket (filters: queue, type, task, kind; lastEventId resumes; backfill=N starts with the latest N; snapshots=false leaves out queue status).");
        return api;
    }

    private static async Task Socket(HttpContext context, string? queue, string? type, string? task, string? kind, string? lastEventId,
        int? backfill, string? snapshots, EventLogTail tail, EventLogStore log, QueueStatusBoard board, IOptions<EventLogOptions> options,
        IOptions<JsonOptions> json, IHostApplicationLifetime lifetime)
    {
        var filter = EventLogEndpoints.Filter(task, queue, type, kind, null, null);
        long? after = lastEventId is null ? null : EventLogEndpoints.Cursor(lastEventId.Trim(), "lastEventId", EventLogErrorCodes.InvalidLastEventId);
        EventFeed.CheckBackfill(backfill);
        var withSnapshots = Snapshots(snapshots);
        var request = context.Request;
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await Problems.Create(StatusCodes.Status400BadRequest, "WebSocket expected", "Open /api/events/ws with a WebSocket handshake.",
                EventLogErrorCodes.WebSocketExpected).ExecuteAsync(context);
            return;
        }
        var byKey = request.Headers.ContainsKey(ApiKeyFilter.HeaderName) || request.Headers.Authorization.ToString().Length > 0;
        if (!byKey && DashboardSession.HasCookie(request) && !DashboardSession.IsSameOrigin(request))
        {
            await Problems.Create(StatusCodes.Status403Forbidden, "Cross-site WebSocket refused",
                "A WebSocket opened with the dashboard session must come from the dashboard's own origin.", "origin_mismatch").ExecuteAsync(context);
            return;
        }

        using var ending = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        var dropped = 0;
        EventLogTail.Listener listener;
        try
        {
            // Dropped for falling behind: stop sending at once (a send blocked on a full socket is cancelled too).
            listener = await tail.ListenAsync(filter, () =>
            {
                Interlocked.Exchange(ref dropped, 1);
                ending.Cancel();
            }, ending.Token);
        }
        catch (ListenerLimitException ex)
        {
            await Problems.Create(StatusCodes.Status503ServiceUnavailable, "Too many event streams", ex.Message, EventLogErrorCodes.TooManyStreams)
                .ExecuteAsync(context);
            return;
        }
        using var _ = listener;
        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { KeepAliveInterval = options.Value.HeartbeatInterval });
        using var sender = new Sender(socket, json.Value.SerializerOptions);
        var aborted = ending.Token;
        // The client sends nothing we need, but its close frame must be read; a close (or a broken socket) ends the feed.
        var receiving = ReceiveUntilClosedAsync(socket, ending);
        using var snapshotsEnd = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        var statuses = Task.CompletedTask;
        try
        {
            await sender.SendAsync(new SocketMessage("connected", After: after ?? listener.StartAfter), aborted);
            if (withSnapshots)
            {
                statuses = SendStatusesAsync(await board.WatchAsync(queue, aborted), sender, snapshotsEnd.Token);
            }
            await EventFeed.RunAsync(filter, after, backfill, listener, log,
                (e, ct) => sender.SendAsync(EventMessage(e), ct),
                _ => Task.CompletedTask,
                ct => sender.SendAsync(new SocketMessage("heartbeat"), ct),
                options.Value.HeartbeatInterval, aborted);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client closed, fell behind, or the silo is stopping.
        }
        catch (WebSocketException)
        {
            // The connection broke.
        }
        // No send may overlap the close frame.
        await snapshotsEnd.CancelAsync();
        await statuses;
        await CloseAsync(socket, dropped == 1, lifetime.ApplicationStopping.IsCancellationRequested);
        if (dropped == 1)
        {
            context.Abort();
        }
        await ending.CancelAsync();
        await receiving;
    }

    /// <summary><c>snapshots=true|false</c> (default true): whether queue status snapshots go out beside the events.</summary>
    private static bool Snapshots(string? snapshots) => snapshots?.Trim() switch
    {
        null => true,
        var s when bool.TryParse(s, out var on) => on,
        _ => throw new TaskValidationException(EventLogErrorCodes.InvalidSnapshots, "\"snapshots\" must be true or false."),
    };

    /// <summary>An event; a task waiting for a human decision goes out as <c>approval_required</c> so an approval UI can pick it out.</summary>
    private static SocketMessage EventMessage(LifecycleEvent e) =>
        new(e is { Kind: LifecycleKind.Task, Type: ApprovalRequiredType } ? "approval_required" : "event", e.Sequence.ToString(CultureInfo.InvariantCulture), e);

    private const string ApprovalRequiredType = "awaiting_approval";

    /// <summary>Sends the watched queues' status as it changes, until the feed ends.</summary>
    private static async Task SendStatusesAsync(QueueStatusBoard.Watcher watcher, Sender sender, CancellationToken cancellationToken)
    {
        using (watcher)
        {
            try
            {
                await foreach (var batch in watcher.ReadAllAsync(cancellationToken))
                {
                    foreach (var status in batch)
                    {
                        await sender.SendAsync(new SocketMessage("queue_status", Status: status), cancellationToken);
                    }
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
            {
                // The feed ended (the events' side closes the socket).
            }
        }
    }

    /// <summary>One sender per socket: a WebSocket takes one send at a time, and events and snapshots come from two loops.</summary>
    private sealed class Sender(WebSocket socket, JsonSerializerOptions serializer) : IDisposable
    {
        private readonly SemaphoreSlim _turn = new(1, 1);

        public async Task SendAsync(SocketMessage message, CancellationToken cancellationToken)
        {
            var bytes = JsonSerializer.SerializeToUtf8Bytes(message, serializer);
            await _turn.WaitAsync(cancellationToken);
            try
            {
                await socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
            }
            finally
            {
                _turn.Release();
            }
        }

        public void Dispose() => _turn.Dispose();
    }

    private static async Task ReceiveUntilClosedAsync(WebSocket socket, CancellationTokenSource ending)
    {
        var buffer = new byte[1024];
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                var result = await socket.ReceiveAsync(buffer, ending.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
        }
        await ending.CancelAsync();
    }

    private static async Task CloseAsync(WebSocket socket, bool dropped, bool stopping)
    {
        if (socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived))
        {
            return;
        }
        var (status, reason) = dropped ? (WebSocketCloseStatus.PolicyViolation, "fell behind: reconnect with lastEventId")
            : stopping ? (WebSocketCloseStatus.EndpointUnavailable, "silo stopping: reconnect with lastEventId")
            : (WebSocketCloseStatus.NormalClosure, "bye");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await socket.CloseOutputAsync(status, reason, timeout.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
            // A client that does not take the close frame either is simply cut off.
        }
    }

    /// <summary>One message of the socket: <c>connected</c> (with <see cref="After"/>), <c>event</c> or <c>approval_required</c>
    /// (with its sequence as <see cref="Id"/>), <c>queue_status</c> (with <see cref="Status"/>) or <c>heartbeat</c>.</summary>
    private sealed record SocketMessage(string Op, string? Id = null, LifecycleEvent? Event = null, long? After = null, QueueStatus? Status = null);
}
