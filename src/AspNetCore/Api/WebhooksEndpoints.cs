using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using OmniActors.Errors;
using OmniActors.Webhooks;

namespace OmniActors.Silo.Api;

/// <summary>
/// <c>/webhooks/{provider}/{instance}</c>: chat providers post here, authenticated by the provider's signature (no API
/// key). A verified body is acknowledged once stored; normalization, identities and routing follow in the background.
/// </summary>
internal static class WebhooksEndpoints
{
    public static WebApplication MapWebhooks(this WebApplication app)
    {
        // The server stops reading at the webhook limit too (a chunked body included); Receive answers 413 with a code.
        var hooks = app.MapGroup("/webhooks").WithTags("Webhooks").CheckPathValues()
            .WithBodyLimit(app.Services.GetRequiredService<IOptions<WebhookOptions>>().Value.MaxBodyBytes, ErrorCodes.PayloadTooLarge);
        hooks.MapPost("/{provider}/{instance}", Receive).WithName("ReceiveWebhook")
            .WithSummary("Receive a provider webhook: 200 once stored, 401 unsigned or forged, 400 malformed, 404 unknown, 413 too large.");
        // Evolution's webhook_by_events appends the event's name (/messages-upsert): the body names the event too, so
        // the suffix only has to be accepted, never trusted.
        hooks.MapPost("/{provider}/{instance}/{event}", ReceiveByEvent).WithName("ReceiveWebhookByEvent")
            .WithSummary("Evolution's webhook_by_events URL (the event name appended); as POST /webhooks/evolution/{instance}.");
        hooks.MapGet("/{provider}/{instance}", Handshake).WithName("WebhookHandshake")
            .WithSummary("WhatsApp Cloud subscription handshake (hub.mode, hub.verify_token, hub.challenge).");
        return app;
    }

    private static async Task<IResult> Receive(string provider, string instance, HttpContext context, WebhookIngress ingress,
        IOptions<WebhookOptions> options, WebhookMetrics metrics)
    {
        var max = options.Value.MaxBodyBytes;
        var body = await ReadLimitedAsync(context.Request, max, context.RequestAborted);
        if (body is null)
        {
            metrics.Request(provider, "too_large");
            return Problems.Create(StatusCodes.Status413PayloadTooLarge, "Payload too large",
                $"A webhook body may hold at most {max} bytes.", ErrorCodes.PayloadTooLarge);
        }
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in context.Request.Headers)
        {
            headers[name] = values.ToString();
        }
        var result = await ingress.AcceptAsync(provider, instance, headers, body.Value, context.RequestAborted);
        return result.Outcome switch
        {
            WebhookOutcome.Accepted or WebhookOutcome.Duplicate when result.Reply is { } reply =>
                TypedResults.Content(reply, "application/json", System.Text.Encoding.UTF8, StatusCodes.Status200OK),
            WebhookOutcome.Accepted => TypedResults.Json(new WebhookAck("accepted", result.RawId), EventApiJson.Options),
            WebhookOutcome.Duplicate => TypedResults.Json(new WebhookAck("duplicate", null), EventApiJson.Options),
            WebhookOutcome.UnknownProvider => Problems.Create(StatusCodes.Status404NotFound, "Not found",
                $"No webhook provider is named '{provider}'.", WebhookErrorCodes.UnknownProvider),
            WebhookOutcome.UnknownInstance => Problems.Create(StatusCodes.Status404NotFound, "Not found",
                $"No {provider} instance is named '{instance}'.", WebhookErrorCodes.UnknownInstance),
            WebhookOutcome.SignatureMissing => Problems.Create(StatusCodes.Status401Unauthorized, "Unauthorized",
                "The request carries no signature or token.", WebhookErrorCodes.SignatureMissing),
            WebhookOutcome.SignatureInvalid => Problems.Create(StatusCodes.Status401Unauthorized, "Unauthorized",
                "The request's signature or token does not verify.", WebhookErrorCodes.SignatureInvalid),
            WebhookOutcome.SignatureStale => Problems.Create(StatusCodes.Status401Unauthorized, "Unauthorized",
                $"The request was signed more than {options.Value.SignatureMaxAge.TotalSeconds:0} seconds from now (a replay?).", WebhookErrorCodes.SignatureStale),
            _ => Problems.Create(StatusCodes.Status400BadRequest, "Malformed request", "The body is not valid JSON.", ErrorCodes.MalformedPayload),
        };
    }

    private static Task<IResult> ReceiveByEvent(string provider, string instance, string @event, HttpContext context, WebhookIngress ingress,
        IOptions<WebhookOptions> options, WebhookMetrics metrics)
    {
        if (!string.Equals(provider, Webhooks.Providers.EvolutionProvider.ProviderName, StringComparison.OrdinalIgnoreCase)
            || !@event.All(c => char.IsAsciiLetterLower(c) || c is '-' or '_' or '.'))
        {
            return Task.FromResult(Problems.Create(StatusCodes.Status404NotFound, "Not found",
                $"Only Evolution's webhook_by_events URLs carry an event name (/webhooks/evolution/{{instance}}/{{event}}).", ErrorCodes.NotFound));
        }
        return Receive(provider, instance, context, ingress, options, metrics);
    }

    private static async Task<IResult> Handshake(string provider, string instance, HttpRequest request, WebhookIngress ingress)
    {
        var challenge = await ingress.HandshakeAsync(provider, instance, request.Query["hub.mode"], request.Query["hub.verify_token"],
            request.Query["hub.challenge"], request.HttpContext.RequestAborted);
        if (challenge is not null)
        {
            return TypedResults.Text(challenge, "text/plain");
        }
        return await ingress.ExistsAsync(provider, instance, request.HttpContext.RequestAborted)
            ? Problems.Create(StatusCodes.Status403Forbidden, "Forbidden", "The verify token or mode does not match.", WebhookErrorCodes.HandshakeRejected)
            : Problems.Create(StatusCodes.Status404NotFound, "Not found", $"No {provider} instance is named '{instance}'.", WebhookErrorCodes.UnknownInstance);
    }

    /// <summary>The body, or null when it is larger than <paramref name="max"/> bytes (read no further than that).</summary>
    private static async Task<ReadOnlyMemory<byte>?> ReadLimitedAsync(HttpRequest request, long max, CancellationToken cancellationToken)
    {
        if (request.ContentLength is { } declared && declared > max)
        {
            return null;
        }
        using var buffer = new MemoryStream(request.ContentLength is { } length ? (int)length : 4096);
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > max)
            {
                return null;
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }
}

/// <summary>The acknowledgement of a stored webhook.</summary>
internal sealed record WebhookAck(string Status, string? RawId);

/// <summary>Problem codes of the webhook endpoint.</summary>
public static class WebhookErrorCodes
{
    /// <summary>No provider of that name.</summary>
    public const string UnknownProvider = "unknown_provider";
    /// <summary>No instance of that name.</summary>
    public const string UnknownInstance = "unknown_instance";
    /// <summary>No signature or token.</summary>
    public const string SignatureMissing = "signature_missing";
    /// <summary>A signature or token that does not verify.</summary>
    public const string SignatureInvalid = "signature_invalid";
    /// <summary>A valid signature over a timestamp too far from now (Discord).</summary>
    public const string SignatureStale = "signature_stale";
    /// <summary>The WhatsApp handshake's token or mode does not match.</summary>
    public const string HandshakeRejected = "handshake_rejected";
}

/// <summary>JSON of the event fabric's API: snake_case names and values, nulls left out.</summary>
internal static class EventApiJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>Reads a JSON body; a missing or unreadable one is a 400 problem, one of another media type a 415.</summary>
    public static async Task<T> ReadAsync<T>(HttpRequest request) where T : class
    {
        if (request.ContentLength == 0)
        {
            throw new TaskValidationException(ErrorCodes.Validation, "A JSON body is required.");
        }
        if (!request.HasJsonContentType())
        {
            throw new TaskValidationException(HttpCodes.UnsupportedMediaType,
                $"The body must be application/json; it was {(string.IsNullOrEmpty(request.ContentType) ? "not given" : $"'{Names.Shorten(request.ContentType)}'")}.");
        }
        try
        {
            return await request.ReadFromJsonAsync<T>(Options, request.HttpContext.RequestAborted)
                   ?? throw new TaskValidationException(ErrorCodes.Validation, "A JSON body is required.");
        }
        catch (JsonException ex)
        {
            throw new TaskValidationException(ErrorCodes.MalformedPayload, JsonBodyErrors.Describe(ex, typeof(T)));
        }
    }

    /// <summary>A required, non-blank text field.</summary>
    public static string Required(string? value, string field) =>
        string.IsNullOrWhiteSpace(value) ? throw new TaskValidationException(ErrorCodes.Validation, $"\"{field}\" is required.") : value;
}
