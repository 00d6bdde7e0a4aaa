using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using OmniActors.Webhooks.Providers;

namespace OmniActors.Webhooks;

/// <summary>How a webhook request ended.</summary>
public enum WebhookOutcome
{
    /// <summary>Verified and durably stored (raw); ingest continues in the background.</summary>
    Accepted,
    /// <summary>A byte-identical redelivery of a body already stored: acknowledged, stored once.</summary>
    Duplicate,
    /// <summary>No such provider.</summary>
    UnknownProvider,
    /// <summary>No such (enabled) instance of the provider.</summary>
    UnknownInstance,
    /// <summary>No signature or token.</summary>
    SignatureMissing,
    /// <summary>A signature or token that does not verify.</summary>
    SignatureInvalid,
    /// <summary>A valid signature over a timestamp outside <see cref="WebhookOptions.SignatureMaxAge"/> (a replay).</summary>
    SignatureStale,
    /// <summary>Not valid JSON.</summary>
    Malformed,
}

/// <summary>The answer to a webhook request: the outcome, and the provider's required reply when it has one.</summary>
public sealed record WebhookResult(WebhookOutcome Outcome, string? Reply = null, string? RawId = null);

/// <summary>
/// The webhook front door: finds the instance, verifies the signature on the raw bytes, checks the JSON, strips secrets,
/// stores the raw body (group commit) and hands it to background ingest. Nothing is stored for a request that fails
/// verification; the webhook never waits for normalization, identities or routing.
/// </summary>
public sealed partial class WebhookIngress(
    WebhookProviders providers,
    WebhookInstances instances,
    EventStore store,
    IngestPipeline pipeline,
    WebhookMetrics metrics,
    WebhookLifecycle lifecycle,
    TimeProvider time,
    Microsoft.Extensions.Options.IOptions<WebhookOptions> options,
    ILogger<WebhookIngress> logger)
{
    /// <summary>Checks, stores and acknowledges one webhook POST.</summary>
    public async Task<WebhookResult> AcceptAsync(string providerName, string instance, IReadOnlyDictionary<string, string> headers, ReadOnlyMemory<byte> body,
        CancellationToken cancellationToken = default)
    {
        if (!providers.TryGet(providerName, out var provider))
        {
            return new WebhookResult(WebhookOutcome.UnknownProvider);
        }
        var secrets = await instances.FindAsync(provider.Name, instance, cancellationToken);
        if (secrets is null)
        {
            metrics.Request(provider.Name, "unknown_instance");
            return new WebhookResult(WebhookOutcome.UnknownInstance);
        }
        var request = new WebhookRequest(headers, body);
        var verification = provider.Verify(request, secrets);
        var stale = verification == WebhookVerification.Verified && provider.SignedAt(request) is { } signedAt
            && (signedAt - time.GetUtcNow()).Duration() > options.Value.SignatureMaxAge;
        if (verification != WebhookVerification.Verified || stale)
        {
            var outcome = verification == WebhookVerification.Missing ? "signature_missing" : stale ? "signature_stale" : "signature_invalid";
            metrics.Request(provider.Name, outcome);
            LogRejected(provider.Name, instance, outcome);
            lifecycle.OnRejected(provider.Name, instance, outcome);
            return new WebhookResult(verification == WebhookVerification.Missing ? WebhookOutcome.SignatureMissing
                : stale ? WebhookOutcome.SignatureStale : WebhookOutcome.SignatureInvalid);
        }
        string? reply;
        try
        {
            using var document = JsonDocument.Parse(body);
            reply = provider.ImmediateReply(document.RootElement);
        }
        catch (JsonException)
        {
            metrics.Request(provider.Name, "malformed");
            return new WebhookResult(WebhookOutcome.Malformed);
        }
        var sanitized = Encoding.UTF8.GetString(provider.Sanitize(body).Span);
        // Whole milliseconds, as stored: a recovery run re-routes an event with the very payload the first run sent, so
        // the task queue answers it as a replay of the same submission rather than an idempotency conflict.
        var receivedAt = DateTimeOffset.FromUnixTimeMilliseconds(time.GetUtcNow().ToUnixTimeMilliseconds());
        var raw = new RawCapture("raw" + Guid.CreateVersion7().ToString("N"), provider.Name, instance, EventStore.Hash(sanitized), sanitized, receivedAt)
        {
            Origin = Tracing.OmniActivities.RecordedContext(),
        };
        if (!await store.InsertRawAsync(raw))
        {
            metrics.Request(provider.Name, "duplicate");
            return new WebhookResult(WebhookOutcome.Duplicate, reply);
        }
        metrics.Request(provider.Name, "accepted");
        // Published before ingest starts, so "received" precedes the capture's "normalized" in the log (one publish order).
        lifecycle.OnReceived(raw);
        pipeline.Enqueue(raw);
        return new WebhookResult(WebhookOutcome.Accepted, reply, raw.Id);
    }

    /// <summary>The WhatsApp Cloud subscription handshake: the challenge when mode and verify token match, else null.</summary>
    public async Task<string?> HandshakeAsync(string providerName, string instance, string? mode, string? verifyToken, string? challenge,
        CancellationToken cancellationToken = default)
    {
        if (!providers.TryGet(providerName, out var provider) || await instances.FindAsync(provider.Name, instance, cancellationToken) is not { } secrets)
        {
            return null;
        }
        // Only WhatsApp Cloud subscribes with a GET handshake; the other providers have nothing to answer here.
        var answer = provider.Name == WhatsAppCloudProvider.ProviderName ? WhatsAppCloudProvider.AnswerSubscription(mode, verifyToken, challenge, secrets) : null;
        if (answer is null)
        {
            metrics.Request(provider.Name, "handshake_rejected");
            LogRejected(provider.Name, instance, "handshake_rejected");
            lifecycle.OnRejected(provider.Name, instance, "handshake_rejected");
        }
        return answer;
    }

    /// <summary>True when the provider and an enabled instance of it exist.</summary>
    public async Task<bool> ExistsAsync(string providerName, string instance, CancellationToken cancellationToken = default) =>
        providers.TryGet(providerName, out var provider) && await instances.FindAsync(provider.Name, instance, cancellationToken) is not null;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook for {Provider}/{Instance} refused: {Reason}; nothing stored")]
    private partial void LogRejected(string provider, string instance, string reason);
}
