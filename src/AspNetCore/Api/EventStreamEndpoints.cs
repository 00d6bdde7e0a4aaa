using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using OmniActors.Lifecycle;

namespace OmniActors.Silo.Api;

/// <summary>
/// <c>GET /api/events/stream</c>: lifecycle events as server-sent events. Each event's <c>id</c> is its event-log
/// sequence, so a client that reconnects with <c>Last-Event-ID</c> (or <c>?lastEventId=</c>, for browsers'
/// first connection) gets exactly what it missed, replayed from the log, then live events with no gap or duplicate.
/// A client that cannot keep up is dropped (its buffer is bounded); the silo never waits for it.
/// </summary>
internal static class EventStreamEndpoints
{
    public static RouteGroupBuilder MapEventStream(this RouteGroupBuilder api)
    {
        api.MapGet("/events/stream", Stream).WithTags("Events").WithName("StreamEvents")
            .WithSummary("Server-sent lifecycle events (filters: queue, type, task, kind), resumable with Last-Event-ID; backfill=N starts with the latest N.")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream");
        return api;
    }

    private static async Task Stream(HttpContext context, string? queue, string? type, string? task, string? kind, string? lastEventId,
        int? backfill, EventLogTail tail, EventLogStore log, IOptions<EventLogOptions> options, IOptions<JsonOptions> json, IHostApplicationLifetime lifetime)
    {
        var filter = EventLogEndpoints.Filter(task, queue, type, kind, null, null);
        var header = context.Request.Headers["Last-Event-ID"].ToString();
        var resumeFrom = header.Length > 0 ? header : lastEventId;
        long? after = resumeFrom is null
            ? null
            : EventLogEndpoints.Cursor(resumeFrom.Trim(), "Last-Event-ID", EventLogErrorCodes.InvalidLastEventId);
        EventFeed.CheckBackfill(backfill);
        // A stream never ends by itself: end it when the silo stops, or Kestrel's shutdown waits on it to the timeout.
        // The client resumes elsewhere with Last-Event-ID.
        using var ending = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        var aborted = ending.Token;

        EventLogTail.Listener listener;
        try
        {
            listener = await tail.ListenAsync(filter, context.Abort, aborted);
        }
        catch (ListenerLimitException ex)
        {
            await Problems.Create(StatusCodes.Status503ServiceUnavailable, "Too many event streams", ex.Message, EventLogErrorCodes.TooManyStreams)
                .ExecuteAsync(context);
            return;
        }
        using var _ = listener;

        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        var writer = new EventWriter(response, json.Value.SerializerOptions);
        try
        {
            await writer.CommentAsync("connected", retryMs: 2000, aborted);

            await EventFeed.RunAsync(filter, after, backfill, listener, log, writer.EventAsync, writer.FlushAsync,
                ct => writer.CommentAsync("heartbeat", retryMs: null, ct), options.Value.HeartbeatInterval, aborted);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client went away (or was dropped for falling behind).
        }
        catch (ListenerDroppedException)
        {
            context.Abort();
        }
        catch (IOException) when (aborted.IsCancellationRequested || listener.Dropped)
        {
        }
    }

    /// <summary>Writes the text/event-stream format.</summary>
    private sealed class EventWriter(HttpResponse response, JsonSerializerOptions json)
    {
        private readonly StringBuilder _text = new();

        public Task EventAsync(LifecycleEvent e, CancellationToken cancellationToken)
        {
            _text.Clear();
            _text.Append("id: ").Append(e.Sequence.ToString(CultureInfo.InvariantCulture)).Append('\n')
                .Append("event: ").Append(LifecycleEventTypes.KindName(e.Kind)).Append('\n')
                .Append("data: ").Append(JsonSerializer.Serialize(e, json)).Append("\n\n");
            return response.WriteAsync(_text.ToString(), cancellationToken);
        }

        public async Task CommentAsync(string comment, int? retryMs, CancellationToken cancellationToken)
        {
            var text = retryMs is { } retry ? $"retry: {retry.ToString(CultureInfo.InvariantCulture)}\n: {comment}\n\n" : $": {comment}\n\n";
            await response.WriteAsync(text, cancellationToken);
            await response.Body.FlushAsync(cancellationToken);
        }

        public Task FlushAsync(CancellationToken cancellationToken) => response.Body.FlushAsync(cancellationToken);
    }
}
