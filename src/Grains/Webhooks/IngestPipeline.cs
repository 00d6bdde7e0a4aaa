using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OmniActors.Hosting;
using OmniActors.Identities;
using OmniActors.Routing;
using OmniActors.Tracing;
using OmniActors.Webhooks.Providers;

namespace OmniActors.Webhooks;

/// <summary>
/// Background ingest of stored raw captures: normalize, resolve identities, store the canonical events (deduped by
/// provider event id), route them, then mark the capture processed. Every step is idempotent (event ids and routed task
/// ids are derived), so a capture left half-done by a crash is simply run again: the recovery sweep finds unprocessed
/// captures older than <see cref="WebhookOptions.RecoveryAge"/>. A cleanup loop purges raw bodies past their retention.
/// </summary>
public sealed partial class IngestPipeline(
    WebhookProviders providers,
    EventStore store,
    IdentityDirectory identities,
    EventRouter router,
    WebhookMetrics metrics,
    WebhookLifecycle lifecycle,
    IOptions<WebhookOptions> options,
    TimeProvider time,
    ILogger<IngestPipeline> logger) : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private readonly Channel<RawCapture> _work = Channel.CreateUnbounded<RawCapture>();
    private readonly ConcurrentDictionary<string, byte> _inFlight = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly WebhookOptions _options = options.Value;
    private readonly List<Task> _loops = [];

    /// <summary>Captures fully ingested by this silo (for tests and benchmarks).</summary>
    public long Processed => Interlocked.Read(ref _processed);

    private long _processed;

    /// <summary>Queues a freshly stored capture for ingest.</summary>
    public void Enqueue(RawCapture raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        if (_inFlight.TryAdd(raw.Id, 0))
        {
            _work.Writer.TryWrite(raw);
        }
    }

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(IngestPipeline), ServiceLifecycleStage.Active + 1, OnStart, OnStop);

    private Task OnStart(CancellationToken cancellationToken)
    {
        for (var i = 0; i < _options.IngestWorkers; i++)
        {
            _loops.Add(Task.Run(() => WorkAsync(_stopping.Token), CancellationToken.None));
        }
        _loops.Add(Task.Run(() => RecoverAsync(_stopping.Token), CancellationToken.None));
        _loops.Add(Task.Run(() => CleanupAsync(_stopping.Token), CancellationToken.None));
        return Task.CompletedTask;
    }

    private async Task OnStop(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        _work.Writer.TryComplete();
        // What is not finished stays unprocessed in the table; recovery on this or another silo completes it.
        await Task.WhenAll(_loops).WaitAsync(cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    private async Task WorkAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var raw in _work.Reader.ReadAllAsync(cancellationToken))
            {
                try
                {
                    await IngestAsync(raw, cancellationToken);
                    Interlocked.Increment(ref _processed);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    LogIngestFailed(ex, raw.Id, raw.Provider, raw.Instance);
                    await TryMarkFailedAsync(raw.Id, ex.Message);
                }
                finally
                {
                    _inFlight.TryRemove(raw.Id, out _);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// Ingests one capture: the whole path after the acknowledgement. Safe to run again on the same capture. The capture
    /// is marked processed in the transaction of its last event's final write, so an event no rule matches costs one
    /// commit (stored processed, capture marked) and a routed one two (stored; routed and capture marked).
    /// </summary>
    public async Task IngestAsync(RawCapture raw, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(raw);
        using var activity = OmniActivities.StartIngest(raw);
        // The tasks its rules enqueue are children of the ingest (of the webhook request itself while tracing is off).
        var trace = activity?.Context ?? raw.Origin;
        var events = Normalize(raw);
        var marked = false;
        for (var i = 0; i < events.Count; i++)
        {
            var rawDone = i == events.Count - 1 ? raw.Id : null;
            marked = await StoreAndRouteAsync(raw, events[i].Event, events[i].Index, rawDone, trace, cancellationToken);
        }
        if (!marked)
        {
            await store.MarkRawProcessedAsync(raw.Id, time.GetUtcNow());
        }
    }

    private List<(NormalizedEvent Event, int Index)> Normalize(RawCapture raw)
    {
        using var document = JsonDocument.Parse(raw.Body);
        IReadOnlyList<NormalizedEvent> events;
        try
        {
            events = providers.TryGet(raw.Provider, out var provider) ? provider.Normalize(document.RootElement) : [];
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A normalizer bug must not lose the payload: it is kept as unknown, its raw body beside it.
            LogNormalizerFailed(ex, raw.Provider, raw.Id);
            events = [new NormalizedEvent { EventType = OmniEventTypes.Unknown }];
        }
        if (events.Count == 0 && !providers.TryGet(raw.Provider, out _))
        {
            // Stored by a silo that had this provider; this one keeps it as unknown rather than dropping it.
            events = [new NormalizedEvent { EventType = OmniEventTypes.Unknown }];
        }
        return events.Select((e, i) => (e, i)).ToList();
    }

    /// <summary>Stores (deduped) and routes one event; true when <paramref name="rawDone"/> was marked processed with it.</summary>
    private async Task<bool> StoreAndRouteAsync(RawCapture raw, NormalizedEvent n, int index, string? rawDone, ActivityContext trace,
        CancellationToken cancellationToken)
    {
        var providerEventId = n.ProviderEventId ?? $"sha256:{raw.BodyHash}:{index}";
        string? sender = null;
        string? recipient = null;
        // Resolved before the insert, which decides whether the event is new (resolution is idempotent and cached).
        if (!string.IsNullOrEmpty(n.SenderHandle))
        {
            sender = await identities.ResolveAsync(new Identities.IdentityHandle(raw.Provider, n.SenderHandle), n.SenderAliases, n.SenderName, cancellationToken);
        }
        if (!string.IsNullOrEmpty(n.RecipientHandle))
        {
            recipient = await identities.ResolveAsync(new Identities.IdentityHandle(raw.Provider, n.RecipientHandle), (string?)null, cancellationToken);
        }
        var e = new OmniEvent
        {
            Id = EventStore.EventId(raw.Provider, raw.Instance, providerEventId),
            Provider = raw.Provider,
            Instance = raw.Instance,
            ProviderEventId = providerEventId,
            EventType = n.EventType,
            Direction = n.Direction,
            SenderIdentityId = sender,
            SenderHandle = n.SenderHandle,
            SenderName = n.SenderName,
            RecipientIdentityId = recipient,
            RecipientHandle = n.RecipientHandle,
            ChatId = n.ChatId,
            ContentType = n.ContentType,
            Text = n.Text,
            Media = n.Media,
            ReplyTo = n.ReplyTo,
            RawId = raw.Id,
            Metadata = n.Metadata?.ToJsonString(),
            Status = EventStatuses.Pending,
            DeliveryStatus = n.Status,
            RetryCount = raw.Attempts,
            ProviderTimestamp = n.ProviderTimestamp,
            ReceivedAt = raw.ReceivedAt,
        };
        var matched = await router.MatchAsync(e, cancellationToken);
        if (matched.Count == 0)
        {
            // Nothing to route: stored processed at once, the capture marked in the same commit. A conflict means another
            // capture of the same provider event stored it first; that capture's own ingest (or recovery) finishes it.
            if (await store.InsertEventAsync(e with { Status = EventStatuses.Processed, ProcessedAt = time.GetUtcNow() }, rawDone))
            {
                Stored(e);
            }
            return rawDone is not null;
        }
        if (await store.InsertEventAsync(e))
        {
            Stored(e);
        }
        else
        {
            // A concurrent redelivery stored it first: route the stored row, so the payload is the same whoever routes it.
            var stored = await store.GetEventAsync(e.Id, cancellationToken);
            if (stored is null or { Status: EventStatuses.Processed })
            {
                return false;
            }
            e = stored;
            matched = await router.MatchAsync(e, cancellationToken);
        }
        await router.RouteAsync(e, matched, trace);
        await store.MarkEventProcessedAsync(e.Id, time.GetUtcNow(), rawDone);
        return rawDone is not null;
    }

    private void Stored(OmniEvent e)
    {
        metrics.Event(e.Provider, e.EventType);
        lifecycle.OnNormalized(e);
    }

    private Task RecoverAsync(CancellationToken cancellationToken) =>
        PeriodicSweep.RunAsync(_options.RecoveryInterval, time, passAtStart: true, async token =>
        {
            var before = time.GetUtcNow() - _options.RecoveryAge;
            var pending = await store.PendingRawAsync(before, _options.MaxIngestAttempts, 500, token);
            foreach (var raw in pending)
            {
                Enqueue(raw);
            }
            if (pending.Count > 0)
            {
                LogRecovered(pending.Count);
            }
        }, ex => LogSweepFailed(ex, "recovery"), cancellationToken);

    private Task CleanupAsync(CancellationToken cancellationToken) =>
        PeriodicSweep.RunAsync(_options.CleanupInterval, time, passAtStart: true, async token =>
        {
            var purged = await PurgeAsync(token);
            if (purged > 0)
            {
                LogPurged(purged);
            }
        }, ex => LogSweepFailed(ex, "cleanup"), cancellationToken);

    /// <summary>Purges raw captures past the retention, batch by batch; returns how many.</summary>
    public async Task<int> PurgeAsync(CancellationToken cancellationToken = default)
    {
        var cutoff = time.GetUtcNow() - _options.RawRetention;
        var total = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var n = await store.PurgeRawAsync(cutoff, _options.CleanupBatchSize);
            total += n;
            if (n < _options.CleanupBatchSize)
            {
                break;
            }
        }
        return total;
    }

    private async Task TryMarkFailedAsync(string id, string error)
    {
        try
        {
            await store.MarkRawFailedAsync(id, error);
        }
        catch (Exception ex)
        {
            LogSweepFailed(ex, "mark failed");
        }
    }

    public void Dispose() => _stopping.Dispose();

    [LoggerMessage(Level = LogLevel.Error, Message = "Ingest of raw capture {RawId} ({Provider}/{Instance}) failed; recovery retries it")]
    private partial void LogIngestFailed(Exception exception, string rawId, string provider, string instance);

    [LoggerMessage(Level = LogLevel.Error, Message = "The {Provider} normalizer threw on raw capture {RawId}; the payload is stored as an unknown event")]
    private partial void LogNormalizerFailed(Exception exception, string provider, string rawId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Ingest recovery picked up {Count} unprocessed raw captures")]
    private partial void LogRecovered(int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Raw retention purged {Count} raw captures")]
    private partial void LogPurged(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event fabric {Sweep} sweep failed; it runs again")]
    private partial void LogSweepFailed(Exception exception, string sweep);
}
