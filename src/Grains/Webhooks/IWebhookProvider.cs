using System.Text.Json;

namespace OmniActors.Webhooks;

/// <summary>A webhook request as received: headers (case-insensitive names) and the raw body bytes.</summary>
public sealed record WebhookRequest(IReadOnlyDictionary<string, string> Headers, ReadOnlyMemory<byte> Body);

/// <summary>The secrets of one configured provider instance.</summary>
/// <param name="Provider">The provider name (<see cref="IWebhookProvider.Name"/>).</param>
/// <param name="Instance">The instance name, the last segment of <c>/webhooks/{provider}/{instance}</c>.</param>
/// <param name="Secret">WhatsApp Cloud: the app secret; Evolution: the instance token (apikey); Telegram: the secret token;
/// Discord: the application's Ed25519 public key in hex.</param>
/// <param name="VerifyToken">WhatsApp Cloud only: the token of the GET subscription handshake.</param>
public sealed record WebhookInstanceSecrets(string Provider, string Instance, string Secret, string? VerifyToken = null);

/// <summary>The outcome of checking a request's signature or token.</summary>
public enum WebhookVerification
{
    /// <summary>Signed or authenticated by the instance's secret.</summary>
    Verified,
    /// <summary>No signature or token where one is required.</summary>
    Missing,
    /// <summary>A signature or token that does not match (forged, tampered, wrong secret).</summary>
    Forged,
}

/// <summary>
/// One chat provider's webhook contract: verification, what of the body may be stored, and normalization.
/// All members are pure: no I/O, no clock, safe to call concurrently.
/// </summary>
public interface IWebhookProvider
{
    /// <summary>The provider's name in routes and rows: <c>whatsapp</c>, <c>evolution</c>, <c>discord</c>, <c>telegram</c>.</summary>
    string Name { get; }

    /// <summary>Checks the request against the instance's secret in constant time.</summary>
    WebhookVerification Verify(WebhookRequest request, WebhookInstanceSecrets secrets);

    /// <summary>The verified body as it may be stored: secrets the provider puts in the body (Evolution's <c>apikey</c>)
    /// removed; otherwise the body unchanged. The input is known to be valid JSON.</summary>
    ReadOnlyMemory<byte> Sanitize(ReadOnlyMemory<byte> body);

    /// <summary>The canonical events of a payload: zero or more. A payload it does not understand gives one
    /// <see cref="OmniEventTypes.Unknown"/> event; it never throws on valid JSON.</summary>
    IReadOnlyList<NormalizedEvent> Normalize(JsonElement payload);

    /// <summary>When the request says it was signed, for providers that sign a timestamp (Discord); null for the others
    /// or when the request carries none. The ingress refuses a verified request signed too long ago or ahead (replays).</summary>
    DateTimeOffset? SignedAt(WebhookRequest request) => null;

    /// <summary>The JSON the provider requires as the answer instead of a plain acknowledgement (Discord PING gets
    /// <c>{"type":1}</c>); null when a plain acknowledgement will do.</summary>
    string? ImmediateReply(JsonElement payload);
}
