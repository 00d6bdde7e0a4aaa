using OmniActors.Errors;
using OmniActors.Lifecycle;

namespace OmniActors.Silo.Api;

/// <summary>
/// What the server-sent-events and WebSocket feeds share: a new client's backfill (the latest events from the log) or a
/// resuming client's missed events (replayed from the log up to where its live feed starts), then live events with
/// nothing repeated, and a heartbeat whenever the feed is idle for the heartbeat interval.
/// </summary>
internal static class EventFeed
{
    private const int ReplayPage = 500;

    /// <summary>Checks a requested backfill (0 to <see cref="EventLogQuery.MaxLimit"/> events).</summary>
    public static void CheckBackfill(int? backfill)
    {
        if (backfill is < 0 or > EventLogQuery.MaxLimit)
        {
            throw new TaskValidationException(EventLogErrorCodes.InvalidBackfill, $"\"backfill\" must be between 0 and {EventLogQuery.MaxLimit}.");
        }
    }

    /// <summary>Runs the feed until <paramref name="aborted"/> fires or the listener ends (the silo stops).</summary>
    public static async Task RunAsync(EventLogQuery filter, long? after, int? backfill, EventLogTail.Listener listener, EventLogStore log,
        Func<LifecycleEvent, CancellationToken, Task> send, Func<CancellationToken, Task> flush, Func<CancellationToken, Task> heartbeat,
        TimeSpan heartbeatInterval, CancellationToken aborted)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(listener);
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(send);
        ArgumentNullException.ThrowIfNull(flush);
        ArgumentNullException.ThrowIfNull(heartbeat);
        // A new client may ask for the latest events first (backfill); a resuming one gets what it missed instead.
        if (after is null && backfill is > 0)
        {
            foreach (var e in await log.LatestAsync(filter with { UpTo = listener.StartAfter, Limit = backfill.Value }, aborted))
            {
                await send(e, aborted);
            }
            await flush(aborted);
        }

        // Replay what the client missed, up to where its live feed starts; the live feed skips what it already has.
        var sent = after ?? listener.StartAfter;
        while (sent < listener.StartAfter)
        {
            var page = await log.QueryAsync(filter with { After = sent, UpTo = listener.StartAfter, Limit = ReplayPage }, aborted);
            foreach (var e in page.Items)
            {
                await send(e, aborted);
            }
            await flush(aborted);
            if (page.NextCursor is null)
            {
                break;
            }
            sent = page.NextCursor.Value;
        }
        var skipUpTo = Math.Max(after ?? 0, listener.StartAfter);

        var events = listener.Events;
        while (!aborted.IsCancellationRequested)
        {
            using (var idle = CancellationTokenSource.CreateLinkedTokenSource(aborted))
            {
                idle.CancelAfter(heartbeatInterval);
                try
                {
                    if (!await events.WaitToReadAsync(idle.Token))
                    {
                        return; // The silo is stopping.
                    }
                }
                catch (OperationCanceledException) when (!aborted.IsCancellationRequested)
                {
                    await heartbeat(aborted);
                    continue;
                }
            }
            while (events.TryRead(out var e))
            {
                if (e.Sequence > skipUpTo)
                {
                    await send(e, aborted);
                }
            }
            await flush(aborted);
        }
    }
}
