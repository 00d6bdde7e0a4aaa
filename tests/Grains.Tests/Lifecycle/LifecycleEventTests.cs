using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OmniActors.Lifecycle;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.Streams;
using OmniActors.Tests.Http;
using OmniActors.Tests.Support;

namespace OmniActors.Tests.Lifecycle;

/// <summary>
/// The event log, <c>/api/event-log</c>, <c>/api/tasks/{id}/history</c> and <c>/api/events/stream</c> over real HTTP
/// (Kestrel), on each storage provider.
/// </summary>
public abstract class LifecycleEventTests(LifecycleSiloFactory factory) : IDisposable
{
    private static readonly string[] DeadLetteredTwice = ["enqueued", "executing", "error", "retry", "executing", "error", "dead_lettered"];

    private readonly HttpClient _client = factory.CreateApiClient();

    public void Dispose()
    {
        _client.Dispose();
        GC.SuppressFinalize(this);
    }

    private EventLogTail Tail => factory.Services.GetRequiredService<EventLogTail>();

    private static object FailingTask(string queue, int attempts) =>
        new { action = "test-fail", queue, retry = new { maxAttempts = attempts, initialDelaySeconds = 0.02, maxDelaySeconds = 0.05 } };

    [Fact]
    public async Task The_stream_sends_a_tasks_events_in_order_with_the_log_sequence_as_id()
    {
        var queue = Api.UniqueQueue("sse");
        await using var sse = await SseStream.OpenAsync(_client, $"/api/events/stream?queue={queue}");

        var id = (await _client.EnqueueAsync(FailingTask(queue, 2))).Id();
        var events = await sse.EventsAsync(DeadLetteredTwice.Length);

        Assert.Equal(DeadLetteredTwice, events.Select(e => e.Type));
        Assert.All(events, e => Assert.Equal("task", e.Event));
        Assert.All(events, e => Assert.Equal(id, e.Subject));
        Assert.All(events, e => Assert.Equal(queue, e.Json.GetProperty("queue").GetString()));
        Assert.All(events, e => Assert.Equal(e.Sequence, e.Json.GetProperty("sequence").GetInt64()));
        Assert.Equal(events.Select(e => e.Sequence).Order(), events.Select(e => e.Sequence));
        Assert.Equal(events.Count, events.Select(e => e.Sequence).Distinct().Count());
        Assert.Equal([0, 1, 1, 1, 2, 2, 2], events.Select(e => e.Json.GetProperty("attempt").GetInt32()));
        Assert.Equal("failure of attempt 1", events[2].Json.GetProperty("detail").GetString());

        // What the stream sent is what the log holds.
        var history = await _client.GetAsync($"/api/tasks/{id}/history").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(events.Select(e => e.Sequence), history.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("sequence").GetInt64()));
    }

    [Fact]
    public async Task Resuming_with_Last_Event_ID_replays_exactly_the_missed_events_then_goes_live()
    {
        var queue = Api.UniqueQueue("resume");
        string lastSeen;
        string blocked;
        await using (var sse = await SseStream.OpenAsync(_client, $"/api/events/stream?queue={queue}"))
        {
            blocked = (await _client.EnqueueAsync(new { action = "test-block", queue })).Id();
            var first = await sse.EventsAsync(2);
            Assert.Equal(["enqueued", "executing"], first.Select(e => e.Type));
            lastSeen = first[^1].Id!;
        }

        // While disconnected: the blocked task completes and two more tasks run.
        factory.Probe.Gate(blocked).SetResult();
        var others = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            others.Add((await _client.EnqueueAsync(new { action = "noop", queue })).Id());
        }
        foreach (var id in others.Append(blocked))
        {
            await _client.UntilStatusAsync(id, "succeeded");
        }
        var missed = await LogAsync($"/api/event-log?queue={queue}&cursor={lastSeen}");
        Assert.Equal(7, missed.Count); // complete, then enqueued, executing, complete twice.

        await using var resumed = await SseStream.OpenAsync(_client, $"/api/events/stream?queue={queue}", lastEventId: lastSeen);
        var replayed = await resumed.EventsAsync(missed.Count);
        Assert.Equal(missed.Select(e => e.GetProperty("sequence").GetInt64()), replayed.Select(e => e.Sequence));

        // Then live, with nothing repeated.
        var live = (await _client.EnqueueAsync(new { action = "noop", queue })).Id();
        var next = await resumed.EventsAsync(3);
        Assert.All(next, e => Assert.Equal(live, e.Subject));
        Assert.Equal(["enqueued", "executing", "complete"], next.Select(e => e.Type));
        Assert.True(next[0].Sequence > replayed[^1].Sequence);

        // A browser's first connection cannot send the header: the query parameter does the same.
        await using var fromQuery = await SseStream.OpenAsync(_client, $"/api/events/stream?queue={queue}&lastEventId={lastSeen}");
        var again = await fromQuery.EventsAsync(missed.Count + 3);
        Assert.Equal(replayed.Concat(next).Select(e => e.Sequence), again.Select(e => e.Sequence));
    }

    [Fact]
    public async Task A_new_stream_with_backfill_starts_with_the_latest_events_then_goes_live_without_repeats()
    {
        var queue = Api.UniqueQueue("backfill");
        for (var i = 0; i < 3; i++)
        {
            await _client.UntilStatusAsync((await _client.EnqueueAsync(new { action = "noop", queue })).Id(), "succeeded");
        }
        var logged = await LogAsync($"/api/event-log?queue={queue}");
        Assert.Equal(9, logged.Count);

        await using var sse = await SseStream.OpenAsync(_client, $"/api/events/stream?queue={queue}&backfill=4");
        var backfilled = await sse.EventsAsync(4);
        // The backfill ends where the live tail starts; the tail may not yet have read the last logged rows,
        // and those then follow live. Either way: the latest events in order, none missed, none repeated.
        var sequences = logged.Select(e => e.GetProperty("sequence").GetInt64()).ToList();
        var start = sequences.IndexOf(backfilled[0].Sequence);
        Assert.True(start >= 0, $"the backfill starts at {backfilled[0].Sequence}, which the log does not hold");
        Assert.Equal(sequences.Skip(start).Take(4), backfilled.Select(e => e.Sequence));
        var notYetTailed = sequences.Skip(start + 4).ToList();
        Assert.True(notYetTailed.Count <= 3, $"the backfill lags the log by {notYetTailed.Count} events");

        var live = (await _client.EnqueueAsync(new { action = "noop", queue })).Id();
        var next = await sse.EventsAsync(notYetTailed.Count + 3);
        Assert.Equal(notYetTailed, next.Take(notYetTailed.Count).Select(e => e.Sequence));
        Assert.All(next.Skip(notYetTailed.Count), e => Assert.Equal(live, e.Subject));
        Assert.True(next[0].Sequence > backfilled[^1].Sequence);

        await _client.GetAsync($"/api/events/stream?queue={queue}&backfill=1001").ExpectProblemAsync(HttpStatusCode.BadRequest, "invalid_backfill");
    }

    [Fact]
    public async Task The_event_log_holds_the_full_history_of_a_retried_then_dead_lettered_task()
    {
        var queue = Api.UniqueQueue("history");
        var id = (await _client.EnqueueAsync(FailingTask(queue, 3))).Id();
        await _client.UntilStatusAsync(id, "dead_lettered");

        var history = await _client.GetAsync($"/api/tasks/{id}/history").ExpectAsync(HttpStatusCode.OK);
        var items = history.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["enqueued", "executing", "error", "retry", "executing", "error", "retry", "executing", "error", "dead_lettered"],
            items.Select(e => e.GetProperty("type").GetString()));
        Assert.Equal([0, 1, 1, 1, 2, 2, 2, 3, 3, 3], items.Select(e => e.GetProperty("attempt").GetInt32()));
        Assert.Equal(["failure of attempt 1", "failure of attempt 2", "failure of attempt 3"],
            items.Where(e => e.GetProperty("type").GetString() == "error").Select(e => e.GetProperty("detail").GetString()));
        Assert.All(items, e => Assert.Equal("test-fail", e.GetProperty("action").GetString()));
        Assert.All(items, e => Assert.False(string.IsNullOrEmpty(e.GetProperty("silo").GetString())));
        Assert.False(history.TryGetProperty("nextCursor", out _));

        // The rows are in the table, in the task row's transactions.
        Assert.Equal(10L, Convert.ToInt64(await factory.Database.ScalarAsync("SELECT count(*) FROM omni_event_log WHERE subject = @id", ("@id", id)),
            System.Globalization.CultureInfo.InvariantCulture));

        // Filters and paging over the same history.
        Assert.Equal(3, (await LogAsync($"/api/event-log?task={id}&type=error")).Count);
        Assert.Equal(3, (await LogAsync($"/api/event-log?queue={queue}&type=executing")).Count);
        var paged = await LogAsync($"/api/event-log?task={id}", pageSize: 4);
        Assert.Equal(items.Select(e => e.GetProperty("sequence").GetInt64()), paged.Select(e => e.GetProperty("sequence").GetInt64()));
        var at = items[4].GetProperty("at").GetDateTimeOffset();
        var since = await LogAsync($"/api/event-log?task={id}&from={Uri.EscapeDataString(at.ToString("O"))}");
        Assert.All(since, e => Assert.True(e.GetProperty("at").GetDateTimeOffset() >= at));
        Assert.Contains(since, e => e.GetProperty("type").GetString() == "dead_lettered");
        var before = await LogAsync($"/api/event-log?task={id}&to={Uri.EscapeDataString(items[0].GetProperty("at").GetDateTimeOffset().AddMilliseconds(1).ToString("O"))}");
        Assert.Equal("enqueued", before[0].GetProperty("type").GetString());
        Assert.DoesNotContain(before, e => e.GetProperty("type").GetString() == "dead_lettered");
    }

    [Fact]
    public async Task An_idle_stream_gets_heartbeat_comments()
    {
        await using var sse = await SseStream.OpenAsync(_client, $"/api/events/stream?queue={Api.UniqueQueue("idle")}");
        var started = DateTime.UtcNow;
        for (var i = 0; i < 3; i++)
        {
            var frame = await sse.NextAsync(LifecycleSiloFactory.Heartbeat * 10);
            Assert.False(frame.IsEvent);
            Assert.Equal("heartbeat", frame.Comment);
        }
        Assert.True(DateTime.UtcNow - started >= LifecycleSiloFactory.Heartbeat * 2, "three heartbeats came at the configured interval, not at once");
    }

    [Fact]
    public async Task A_client_that_stops_reading_is_dropped_while_others_get_every_event()
    {
        var queue = Api.UniqueQueue("slow");
        var droppedBefore = Tail.DroppedListeners;
        await using var fast = await SseStream.OpenAsync(_client, $"/api/events/stream?queue={queue}");
        var received = new List<SseFrame>();
        var reading = Task.Run(async () =>
        {
            while (true)
            {
                var frame = await fast.NextAsync(TimeSpan.FromSeconds(60));
                if (frame.IsEvent)
                {
                    lock (received)
                    {
                        received.Add(frame);
                    }
                }
            }
        });

        // The slow client: a raw socket with a tiny receive window that never reads.
        using var slow = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 1024 };
        await slow.ConnectAsync(factory.BaseAddress.Host == "localhost" ? IPAddress.Loopback : IPAddress.Parse(factory.BaseAddress.Host), factory.BaseAddress.Port);
        await slow.SendAsync(Encoding.ASCII.GetBytes(
            $"GET /api/events/stream?queue={queue} HTTP/1.1\r\nHost: {factory.BaseAddress.Authority}\r\nX-Api-Key: {factory.ApiKey}\r\n\r\n"));
        // Read just the response head (the listener is registered once it is sent), then never read again.
        var head = new StringBuilder();
        var chunk = new byte[512];
        using (var headTimeout = new CancellationTokenSource(Api.Deadline))
        {
            while (!head.ToString().Contains(": connected", StringComparison.Ordinal))
            {
                var n = await slow.ReceiveAsync(chunk, SocketFlags.None, headTimeout.Token);
                Assert.True(n > 0, $"the stream ended early: {head}");
                head.Append(Encoding.ASCII.GetString(chunk, 0, n));
            }
        }
        Assert.StartsWith("HTTP/1.1 200", head.ToString(), StringComparison.Ordinal);

        var enqueued = 0;
        for (var round = 0; round < 60 && Tail.DroppedListeners == droppedBefore; round++)
        {
            var batch = Enumerable.Range(0, 100).Select(_ => new { action = "noop", queue }).ToArray();
            await _client.PostJsonAsync("/api/tasks/batch", new { tasks = batch }).ExpectAsync(HttpStatusCode.OK);
            enqueued += batch.Length;
            await Eventually.Until(() => LogCountAsync(queue), n => n >= enqueued * 3L, TimeSpan.FromSeconds(60), "the round's tasks finished");
        }
        Assert.True(Tail.DroppedListeners > droppedBefore, $"the slow client was dropped after {enqueued} tasks");

        // The fast client got every event of the queue, in order, and stays connected.
        var total = await LogCountAsync(queue);
        await Eventually.True(() => { lock (received) { return received.Count >= total; } }, TimeSpan.FromSeconds(60), "the fast client received every event");
        lock (received)
        {
            Assert.Equal(total, received.Count);
            Assert.Equal(received.Select(e => e.Sequence).Order(), received.Select(e => e.Sequence));
        }
        Assert.False(reading.IsCompleted, reading.Exception?.ToString());

        // And it is still live.
        var after = (await _client.EnqueueAsync(new { action = "noop", queue })).Id();
        await Eventually.True(() => { lock (received) { return received.Any(e => e.Subject == after); } }, Api.Deadline, "the fast client still gets new events");

        // The server closed the slow client's connection: draining its socket reaches the end.
        var buffer = new byte[64 * 1024];
        using var drain = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            while (await slow.ReceiveAsync(buffer, SocketFlags.None, drain.Token) > 0)
            {
            }
        }
        catch (SocketException)
        {
            // Reset rather than closed: also the server letting go.
        }
    }

    [Fact]
    public async Task Task_events_are_published_in_batches_on_their_queues_stream_and_the_all_stream()
    {
        var queue = Api.UniqueQueue("stream");
        var provider = factory.Services.GetRequiredService<IClusterClient>().GetStreamProvider(LifecycleStreams.ProviderName);
        var perQueue = new List<LifecycleEvent>();
        var all = new List<LifecycleEvent>();
        var queueHandle = await provider.GetStream<LifecycleBatch>(StreamId.Create(LifecycleStreams.Namespace, queue))
            .SubscribeAsync((batch, _) => { lock (perQueue) { perQueue.AddRange(batch.Events); } return Task.CompletedTask; });
        var allHandle = await provider.GetStream<LifecycleBatch>(StreamId.Create(LifecycleStreams.Namespace, LifecycleStreams.AllKey))
            .SubscribeAsync((batch, _) => { lock (all) { all.AddRange(batch.Events.Where(e => e.Queue == queue)); } return Task.CompletedTask; });
        try
        {
            var other = Api.UniqueQueue("stream-other");
            var id = (await _client.EnqueueAsync(new { action = "noop", queue })).Id();
            await _client.EnqueueAsync(new { action = "noop", queue = other });
            await _client.UntilStatusAsync(id, "succeeded");

            await Eventually.True(() => { lock (perQueue) { return perQueue.Count >= 3; } }, Api.Deadline, "the queue's stream carried the task's events");
            await Eventually.True(() => { lock (all) { return all.Count >= 3; } }, Api.Deadline, "the all-events stream carried them too");
            lock (perQueue)
            {
                Assert.Equal(["enqueued", "executing", "complete"], perQueue.Select(e => e.Type));
                Assert.All(perQueue, e => Assert.Equal(queue, e.Queue)); // Nothing of the other queue.
                Assert.All(perQueue, e => Assert.Equal(id, e.Id));
            }
        }
        finally
        {
            await queueHandle.UnsubscribeAsync();
            await allHandle.UnsubscribeAsync();
        }
    }

    [Fact]
    public async Task A_queue_stream_is_published_to_only_while_somebody_subscribes_and_a_subscriber_hears_from_its_subscription_on()
    {
        var queue = Api.UniqueQueue("audience");
        var stream = StreamId.Create(LifecycleStreams.Namespace, queue);
        var audience = factory.Services.GetRequiredService<StreamAudience>();
        var provider = factory.Services.GetRequiredService<IClusterClient>().GetStreamProvider(LifecycleStreams.ProviderName);

        var before = (await _client.EnqueueAsync(new { action = "noop", queue })).Id();
        await _client.UntilStatusAsync(before, "succeeded");
        Assert.False((await audience.HeardAsync([stream]))[0]);

        var heard = new List<LifecycleEvent>();
        var handle = await provider.GetStream<LifecycleBatch>(stream)
            .SubscribeAsync((batch, _) => { lock (heard) { heard.AddRange(batch.Events); } return Task.CompletedTask; });
        Assert.True((await audience.HeardAsync([stream]))[0]); // At once: an unheard answer is never reused.
        var id = (await _client.EnqueueAsync(new { action = "noop", queue })).Id();
        await _client.UntilStatusAsync(id, "succeeded");
        // Every event posted after the subscription returned. (The earlier task's last events may come too: they were
        // posted before, but the feed may flush them after.)
        await Eventually.True(() => { lock (heard) { return heard.Count(e => e.Id == id) >= 3; } }, Api.Deadline, "the subscriber heard the task's events");
        lock (heard)
        {
            Assert.Equal(["enqueued", "executing", "complete"], heard.Where(e => e.Id == id).Select(e => e.Type));
            Assert.All(heard, e => Assert.Equal(queue, e.Queue));
        }

        await handle.UnsubscribeAsync();
        await Eventually.Until(async () => (await audience.HeardAsync([stream]))[0], heardNow => !heardNow, Api.Deadline,
            "once the subscriber left, the stream is unheard again (after at most StreamAudience.Recheck)");
    }

    [Fact]
    public void The_lifecycle_streams_cache_items_only_for_the_configured_time()
    {
        // Orleans' default keeps a memory-stream item until it is 30 minutes older than the newest: every event of a busy
        // half hour in memory. Ours subscribe live, so the cache keeps StreamCacheTime.
        var configured = factory.Services.GetRequiredService<IOptions<EventLogOptions>>().Value.StreamCacheTime;
        var eviction = factory.Services.GetRequiredService<IOptionsMonitor<StreamCacheEvictionOptions>>().Get(LifecycleStreams.ProviderName);

        Assert.Equal(TimeSpan.FromSeconds(30), configured);
        Assert.Equal(configured, eviction.DataMinTimeInCache);
        Assert.Equal(configured, eviction.DataMaxAgeInCache);
    }

    [Fact]
    public void The_lifecycle_streams_poll_their_queues_at_the_configured_interval()
    {
        // Orleans' pulling agents ask their queue every 100 ms by default, ten grain calls a second for each queue on an idle
        // silo (about a quarter of such a silo's CPU, bench/README). Ours wait StreamPollInterval after a read that found nothing.
        var configured = factory.Services.GetRequiredService<IOptions<EventLogOptions>>().Value;
        var agent = factory.Services.GetRequiredService<IOptionsMonitor<StreamPullingAgentOptions>>().Get(LifecycleStreams.ProviderName);
        var queues = factory.Services.GetRequiredService<IOptionsMonitor<HashRingStreamQueueMapperOptions>>().Get(LifecycleStreams.ProviderName);

        Assert.Equal(TimeSpan.FromMilliseconds(500), configured.StreamPollInterval);
        Assert.Equal(configured.StreamPollInterval, agent.GetQueueMsgsTimerPeriod);
        Assert.Equal(8, configured.StreamQueues);
        Assert.Equal(configured.StreamQueues, queues.TotalQueueCount);
    }

    [Fact]
    public async Task Schedule_fires_and_pauses_are_logged_and_streamed_as_schedule_events()
    {
        var queue = Api.UniqueQueue("sched");
        var name = $"lifecycle-{Guid.NewGuid():N}";
        await using var sse = await SseStream.OpenAsync(_client, $"/api/events/stream?kind=schedule&task={name}");
        await _client.PutAsJsonAsync(Api.Url($"/api/schedules/{name}"), new { cron = "0 0 0 1 1 *", task = new { action = "noop", queue } })
            .ExpectAsync(HttpStatusCode.Created);

        var fire = await _client.PostAsync(Api.Url($"/api/schedules/{name}/trigger"), null).ExpectAsync(HttpStatusCode.OK);
        await _client.PostAsync(Api.Url($"/api/schedules/{name}/pause"), null).ExpectAsync(HttpStatusCode.OK);

        var events = await sse.EventsAsync(2);
        Assert.Equal(["fired", "paused"], events.Select(e => e.Type));
        Assert.All(events, e => Assert.Equal("schedule", e.Event));
        Assert.All(events, e => Assert.Equal(queue, e.Json.GetProperty("queue").GetString()));
        Assert.Equal($"task {fire.GetProperty("taskId").GetString()}", events[0].Json.GetProperty("detail").GetString());

        var logged = await LogAsync($"/api/event-log?kind=schedule&task={name}");
        Assert.Equal(events.Select(e => e.Sequence), logged.Select(e => e.GetProperty("sequence").GetInt64()));
        // The fire's task has its own history, in the same log.
        var taskId = fire.GetProperty("taskId").GetString()!;
        await Eventually.Until(() => LogAsync($"/api/event-log?task={taskId}&type=complete"), l => l.Count == 1, Api.Deadline, "the fired task completed");
    }

    [Fact]
    public async Task Malformed_oversized_and_unknown_query_values_are_coded_problems()
    {
        await _client.GetAsync("/api/event-log?cursor=abc").ExpectProblemAsync(HttpStatusCode.BadRequest, "invalid_cursor");
        await _client.GetAsync("/api/event-log?cursor=-1").ExpectProblemAsync(HttpStatusCode.BadRequest, "invalid_cursor");
        await _client.GetAsync("/api/event-log?cursor=99999999999999999999999").ExpectProblemAsync(HttpStatusCode.BadRequest, "invalid_cursor");
        await _client.GetAsync("/api/event-log?type=exploded").ExpectProblemAsync(HttpStatusCode.BadRequest, "invalid_event_type");
        await _client.GetAsync("/api/event-log?kind=galaxy").ExpectProblemAsync(HttpStatusCode.BadRequest, "invalid_event_kind");
        await _client.GetAsync("/api/event-log?limit=1001").ExpectProblemAsync(HttpStatusCode.BadRequest, "invalid_limit");
        await _client.GetAsync("/api/event-log?limit=0").ExpectProblemAsync(HttpStatusCode.BadRequest, "invalid_limit");
        await _client.GetAsync("/api/event-log?limit=lots").ExpectProblemAsync(HttpStatusCode.BadRequest, "malformed_request");
        await _client.GetAsync("/api/event-log?from=yesterday").ExpectProblemAsync(HttpStatusCode.BadRequest, "malformed_request");
        await _client.GetAsync("/api/event-log?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z").ExpectProblemAsync(HttpStatusCode.BadRequest, "invalid_time_range");
        await _client.GetAsync($"/api/event-log?task={new string('x', 401)}").ExpectProblemAsync(HttpStatusCode.BadRequest, "invalid_filter");
        await _client.GetAsync($"/api/tasks/no-such-task-{Guid.NewGuid():N}/history").ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        await _client.GetAsync("/api/tasks/x/history?cursor=1.5").ExpectProblemAsync(HttpStatusCode.BadRequest, "invalid_cursor");

        await _client.GetAsync("/api/events/stream?type=exploded").ExpectProblemAsync(HttpStatusCode.BadRequest, "invalid_event_type");
        await _client.GetAsync("/api/events/stream?lastEventId=abc").ExpectProblemAsync(HttpStatusCode.BadRequest, "invalid_last_event_id");
        using (var forged = new HttpRequestMessage(HttpMethod.Get, Api.Url("/api/events/stream")))
        {
            forged.Headers.TryAddWithoutValidation("Last-Event-ID", "12; DROP TABLE omni_event_log");
            await _client.SendAsync(forged).ExpectProblemAsync(HttpStatusCode.BadRequest, "invalid_last_event_id");
        }

        using var anonymous = factory.CreateAnonymousClient();
        await anonymous.GetAsync("/api/event-log").ExpectProblemAsync(HttpStatusCode.Unauthorized, "api_key_missing");
        await anonymous.GetAsync("/api/events/stream").ExpectProblemAsync(HttpStatusCode.Unauthorized, "api_key_missing");

        // Nothing above changed the log: a page still reads.
        await _client.GetAsync("/api/event-log?limit=1000").ExpectAsync(HttpStatusCode.OK);
    }

    /// <summary>Every event the query matches, following cursors.</summary>
    private async Task<IReadOnlyList<JsonElement>> LogAsync(string url, int pageSize = 1000)
    {
        var all = new List<JsonElement>();
        string? cursor = null;
        do
        {
            var separator = url.Contains('?', StringComparison.Ordinal) ? '&' : '?';
            var page = await _client.GetAsync($"{url}{separator}limit={pageSize}" + (cursor is null ? "" : $"&cursor={cursor}")).ExpectAsync(HttpStatusCode.OK);
            all.AddRange(page.GetProperty("items").EnumerateArray());
            cursor = page.TryGetProperty("nextCursor", out var next) ? next.GetString() : null;
        }
        while (cursor is not null);
        return all;
    }

    private async Task<long> LogCountAsync(string queue) =>
        Convert.ToInt64(await factory.Database.ScalarAsync("SELECT count(*) FROM omni_event_log WHERE queue = @q", ("@q", queue)),
            System.Globalization.CultureInfo.InvariantCulture);
}

[Collection(SqliteLifecycleCollection.Name)]
public sealed class SqliteLifecycleEventTests(SqliteLifecycleSilo factory) : LifecycleEventTests(factory);

[Collection(PostgresLifecycleCollection.Name)]
public sealed class PostgresLifecycleEventTests(PostgresLifecycleSilo factory) : LifecycleEventTests(factory);
