using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OmniActors.Actions;

/// <summary><c>noop</c>: does nothing and succeeds. For benchmarks and smoke tests.</summary>
public sealed class NoopAction : IActionHandler
{
    /// <inheritdoc />
    public Task<JsonNode?> ExecuteAsync(ActionContext context) => Task.FromResult<JsonNode?>(null);
}

/// <summary><c>echo</c>: returns its payload as the result.</summary>
public sealed class EchoAction : IActionHandler
{
    /// <inheritdoc />
    public Task<JsonNode?> ExecuteAsync(ActionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Task.FromResult(context.PayloadNode);
    }
}

/// <summary>
/// <c>http</c>: POSTs to a URL like a push queue, so any language can consume tasks. Payload:
/// <c>{"url": "...", "body": any JSON (default: the task envelope), "headers": {..}, "timeoutSeconds": n}</c>.
/// 2xx succeeds (the result holds status and body); 408, 429 and 5xx are retried; other 4xx are permanent.
/// </summary>
public sealed class HttpAction(IHttpClientFactory httpClients) : IActionHandler
{
    /// <summary>The named HttpClient it uses.</summary>
    public const string ClientName = "omni-http-action";

    private const int MaxResponseChars = 64 * 1024;

    /// <inheritdoc />
    public async Task<JsonNode?> ExecuteAsync(ActionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var payload = context.PayloadNode as JsonObject
            ?? throw new NonRetryableException("The http action needs a JSON object payload with a \"url\".");
        if (payload["url"]?.GetValue<string>() is not { } url || !Uri.TryCreate(url, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new NonRetryableException("The http action needs an absolute http(s) \"url\".");
        }
        var body = payload["body"]?.ToJsonString() ?? JsonSerializer.Serialize(new
        {
            taskId = context.TaskId,
            attempt = context.Attempt,
            queue = context.Queue,
            payload = payload,
        });
        using var request = new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("X-Omni-Task-Id", context.TaskId);
        request.Headers.TryAddWithoutValidation("X-Omni-Attempt", context.Attempt.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation("X-Omni-Silo", context.Silo);
        if (payload["headers"] is JsonObject headers)
        {
            foreach (var (name, value) in headers)
            {
                request.Headers.TryAddWithoutValidation(name, value?.ToString());
            }
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        if (payload["timeoutSeconds"]?.GetValue<double>() is { } seconds and > 0)
        {
            timeout.CancelAfter(TimeSpan.FromSeconds(seconds));
        }
        using var client = httpClients.CreateClient(ClientName);
        using var response = await client.SendAsync(request, timeout.Token);
        var text = await response.Content.ReadAsStringAsync(timeout.Token);
        if (text.Length > MaxResponseChars)
        {
            text = text[..MaxResponseChars];
        }
        var status = (int)response.StatusCode;
        if (response.IsSuccessStatusCode)
        {
            return new JsonObject { ["status"] = status, ["body"] = text };
        }
        var message = $"POST {uri} answered {status} {response.ReasonPhrase}";
        if (status is 408 or 429 || status >= 500)
        {
            throw new HttpRequestException(message, null, response.StatusCode);
        }
        throw new NonRetryableException(message);
    }
}
