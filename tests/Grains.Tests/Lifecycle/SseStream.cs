using System.Net;
using System.Text.Json;

namespace OmniActors.Tests.Lifecycle;

/// <summary>One server-sent-events frame: an event (id, event name, JSON data) or a comment.</summary>
internal sealed record SseFrame(string? Id, string? Event, string? Data, string? Comment)
{
    public bool IsEvent => Data is not null;

    public long Sequence => long.Parse(Id!, System.Globalization.CultureInfo.InvariantCulture);

    public JsonElement Json
    {
        get
        {
            using var doc = JsonDocument.Parse(Data!);
            return doc.RootElement.Clone();
        }
    }

    public string Type => Json.GetProperty("type").GetString()!;

    public string Subject => Json.GetProperty("id").GetString()!;
}

/// <summary>A client of <c>/api/events/stream</c> reading frames off a real HTTP response.</summary>
internal sealed class SseStream : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;

    private SseStream(HttpResponseMessage response, Stream body)
    {
        _response = response;
        _reader = new StreamReader(body);
    }

    /// <summary>Opens the stream and waits for its first frame (the listener is registered by then).</summary>
    public static async Task<SseStream> OpenAsync(HttpClient client, string url, string? lastEventId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(url, UriKind.Relative));
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            // Only a refused stream has a body that ends; read it for the message.
            Assert.Fail($"Expected 200, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var stream = new SseStream(response, await response.Content.ReadAsStreamAsync());
        var first = await stream.NextAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("connected", first.Comment);
        return stream;
    }

    /// <summary>The next frame, event or comment, within the timeout.</summary>
    public async Task<SseFrame> NextAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        string? id = null, name = null, comment = null;
        List<string>? data = null;
        while (true)
        {
            string? line;
            try
            {
                line = await _reader.ReadLineAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"No server-sent frame within {timeout}.");
            }
            if (line is null)
            {
                throw new EndOfStreamException("The event stream ended.");
            }
            if (line.Length == 0)
            {
                if (data is null && comment is null && id is null)
                {
                    continue;
                }
                return new SseFrame(id, name, data is null ? null : string.Join('\n', data), comment);
            }
            if (line.StartsWith(':'))
            {
                comment = line[1..].Trim();
                continue;
            }
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..].TrimStart(' ');
            switch (field)
            {
                case "id": id = value; break;
                case "event": name = value; break;
                case "data": (data ??= []).Add(value); break;
            }
        }
    }

    /// <summary>The next <paramref name="count"/> events, skipping comments, each within the timeout.</summary>
    public async Task<IReadOnlyList<SseFrame>> EventsAsync(int count, TimeSpan? timeout = null)
    {
        var events = new List<SseFrame>(count);
        while (events.Count < count)
        {
            var frame = await NextAsync(timeout ?? TimeSpan.FromSeconds(30));
            if (frame.IsEvent)
            {
                events.Add(frame);
            }
        }
        return events;
    }

    public async ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _response.Dispose();
        await Task.CompletedTask;
    }
}
