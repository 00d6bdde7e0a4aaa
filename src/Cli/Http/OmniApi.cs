using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OmniActors.Cli.Hosting;

namespace OmniActors.Cli.Http;

/// <summary>An answer of the API: the body as received and, when it is JSON, parsed.</summary>
internal sealed record ApiResponse(int Status, string Body, JsonElement Json)
{
    /// <summary>True when the body held JSON.</summary>
    public bool HasJson => Json.ValueKind != JsonValueKind.Undefined;
}

/// <summary>The OmniActors HTTP API as the CLI uses it: API key on every call, problems turned into exceptions.</summary>
internal sealed class OmniApi : IDisposable
{
    /// <summary>The header that carries the API key.</summary>
    public const string ApiKeyHeader = "X-Api-Key";

    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(100);
    private readonly HttpClient _http;

    public OmniApi(Uri baseUrl, string? apiKey)
    {
        BaseUrl = baseUrl;
        // No client-wide timeout: the event stream stays open for as long as the user tails; plain calls time out on their own.
        _http = new HttpClient { BaseAddress = baseUrl, Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("omni-cli", "1.0"));
        if (!string.IsNullOrEmpty(apiKey))
        {
            _http.DefaultRequestHeaders.Add(ApiKeyHeader, apiKey);
        }
    }

    /// <summary>The server's base address.</summary>
    public Uri BaseUrl { get; }

    public Task<ApiResponse> GetAsync(string path, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, path, null, cancellationToken);

    public Task<ApiResponse> PostAsync(string path, JsonNode? body, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, path, body ?? new JsonObject(), cancellationToken);

    /// <summary>Sends a request and returns a success answer; throws <see cref="ApiProblemException"/> for any other.</summary>
    public async Task<ApiResponse> SendAsync(HttpMethod method, string path, JsonNode? body, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(RequestTimeout);
        using var request = new HttpRequestMessage(method, Relative(path));
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }
        try
        {
            using var response = await _http.SendAsync(request, timeout.Token);
            var text = await response.Content.ReadAsStringAsync(timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                throw Problem(response, text);
            }
            return new ApiResponse((int)response.StatusCode, text, Parse(text));
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new ApiUnreachableException($"{BaseUrl} did not answer {method} {path} within {RequestTimeout.TotalSeconds:0} s.");
        }
        catch (HttpRequestException ex)
        {
            throw Unreachable(ex);
        }
    }

    /// <summary>Opens a server-sent event stream; the caller reads and disposes the response.</summary>
    public async Task<HttpResponseMessage> OpenStreamAsync(string path, string? lastEventId, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Relative(path));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        // Without these the server has no format it may write a refusal in, and answers a bare 400.
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/problem+json", 0.5));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json", 0.4));
        if (!string.IsNullOrEmpty(lastEventId))
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw Unreachable(ex);
        }
        if (!response.IsSuccessStatusCode)
        {
            using (response)
            {
                throw Problem(response, await response.Content.ReadAsStringAsync(cancellationToken));
            }
        }
        return response;
    }

    /// <summary>Explains a failure to reach the server in the user's terms.</summary>
    public ApiUnreachableException Unreachable(HttpRequestException ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        var socket = ex.InnerException as SocketException ?? ex.InnerException?.InnerException as SocketException;
        var hint = "Is the silo running? Point the CLI at it with --url or OMNI_URL.";
        return socket?.SocketErrorCode switch
        {
            SocketError.ConnectionRefused => new ApiUnreachableException($"Could not connect to {BaseUrl}: connection refused. {hint}", ex),
            SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData =>
                new ApiUnreachableException($"Could not resolve the host of {BaseUrl}. {hint}", ex),
            _ => new ApiUnreachableException($"Could not talk to {BaseUrl}: {ex.Message} {hint}", ex),
        };
    }

    public void Dispose() => _http.Dispose();

    private static Uri Relative(string path) => new(path.TrimStart('/'), UriKind.Relative);

    private static JsonElement Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return default;
        }
        try
        {
            using var doc = JsonDocument.Parse(text);
            return doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            return default;
        }
    }

    private static ApiProblemException Problem(HttpResponseMessage response, string text)
    {
        var status = (int)response.StatusCode;
        var json = Parse(text);
        if (json.ValueKind == JsonValueKind.Object)
        {
            var title = Field(json, "title") ?? response.ReasonPhrase ?? ((HttpStatusCode)status).ToString();
            return new ApiProblemException(status, title, Field(json, "detail"), Field(json, "code"), text);
        }
        var reason = response.ReasonPhrase ?? ((HttpStatusCode)status).ToString();
        var detail = string.IsNullOrWhiteSpace(text) ? null : text.Length > 300 ? text[..300] + "…" : text.Trim();
        return new ApiProblemException(status, reason, detail, null, text);
    }

    private static string? Field(JsonElement json, string name) =>
        json.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
