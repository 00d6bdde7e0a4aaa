using System.Net;
using System.Net.Http.Json;
using System.Text;
using OmniActors.Tests.Support;

namespace OmniActors.Tests.Http.Edge;

/// <summary>Every stored string has a maximum, every name one syntax, every route a body limit (over real Kestrel).</summary>
[Collection(EdgeSiloCollection.Name)]
public sealed class StoredStringLimitsTests(EdgeSilo silo) : IDisposable
{
    private const string BadName = "'; DROP TABLE x;--";
    private static readonly string TenMiB = new('s', 10 * 1024 * 1024);

    private readonly HttpClient _client = silo.CreateApiClient();

    public void Dispose() => _client.Dispose();

    public static TheoryData<string, string, string> TooLongFields => new()
    {
        // url, JSON body, the field the problem names
        { "/api/webhook-instances", Body(new { provider = "telegram", instance = "limits", secret = new string('s', 1025) }), "secret" },
        { "/api/webhook-instances", Body(new { provider = "telegram", instance = "limits", secret = "s", verify_token = new string('v', 1025) }), "verify_token" },
        { "/api/identities/resolve", Body(new { provider = "telegram", handle = new string('h', 257) }), "handle" },
        { "/api/identities/resolve", Body(new { provider = "telegram", handle = "h", display_name = new string('d', 257) }), "display_name" },
        { "/api/routes", Body(new { action = "noop", text_prefix = new string('p', 1025) }), "text_prefix" },
        { "/api/routes", Body(new { action = "noop", text_regex = new string('r', 1025) }), "text_regex" },
        { "/api/routes", Body(new { action = "noop", name = new string('n', 201) }), "name" },
        { "/api/routes", Body(new { action = "noop", event_type = new string('e', 101) }), "event_type" },
        { "/api/routes", Body(new { id = new string('i', 129), action = "noop" }), "id" },
        { "/api/tasks/no-such-task/cancel", Body(new { reason = new string('r', 4001) }), "reason" },
    };

    [Theory]
    [MemberData(nameof(TooLongFields))]
    public async Task A_string_over_its_limit_is_a_400_problem_naming_the_field(string url, string body, string field)
    {
        var problem = await PostAsync(url, body).ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.Contains($"\"{field}\"", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    public static TheoryData<string, string, string> BadNames => new()
    {
        // method, url, JSON body: each names something with the same bad name
        { "POST", "/api/tasks", Body(new { action = "noop", queue = BadName }) },
        { "POST", "/api/routes", Body(new { action = "noop", queue = BadName }) },
        { "POST", "/api/routes", Body(new { action = "noop", provider = BadName }) },
        { "POST", "/api/routes", Body(new { action = "noop", instance = BadName }) },
        { "POST", "/api/webhook-instances", Body(new { provider = "telegram", instance = BadName, secret = "s" }) },
        { "POST", "/api/identities/resolve", Body(new { provider = new string('p', 2000), handle = "h" }) },
        { "POST", "/api/identities/resolve", Body(new { provider = BadName, handle = "h" }) },
        { "PUT", "/api/schedules/" + Uri.EscapeDataString(BadName), Body(new { intervalSeconds = 60, task = new { action = "noop" } }) },
        { "GET", "/api/queues/" + Uri.EscapeDataString(BadName), "" },
        { "POST", "/api/queues/" + Uri.EscapeDataString(BadName) + "/pause", "" },
        { "PUT", "/api/webhook-instances/telegram/" + Uri.EscapeDataString(BadName), Body(new { secret = "s" }) },
        { "GET", "/api/breakers/" + Uri.EscapeDataString(BadName), "" },
    };

    [Theory]
    [MemberData(nameof(BadNames))]
    public async Task A_name_breaking_the_one_name_syntax_is_refused_by_every_route_that_takes_names(string method, string url, string body)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(url, UriKind.Relative))
        {
            Content = body.Length == 0 ? null : new StringContent(body, Encoding.UTF8, "application/json"),
        };
        var problem = await _client.SendAsync(request).ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.Contains("name", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/webhook-instances")]
    [InlineData("/api/identities/resolve")]
    [InlineData("/api/routes")]
    [InlineData("/api/tasks")]
    public async Task A_10_MiB_body_is_a_413_problem_before_anything_is_stored(string url)
    {
        var body = Body(new { provider = "telegram", instance = "huge", handle = "huge", action = "noop", secret = TenMiB, text_prefix = TenMiB });
        var problem = await PostAsync(url, body).ExpectProblemAsync(HttpStatusCode.RequestEntityTooLarge, "request_too_large");
        Assert.Contains("bytes", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await _client.GetAsync("/api/webhook-instances/telegram/huge").ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task A_chunked_body_over_the_routes_limit_is_a_413_problem()
    {
        // No Content-Length: the server counts as it reads, against the route's limit (64 KiB here, not the default 1 MiB).
        var body = Body(new { action = "noop", text_prefix = new string('p', 100 * 1024) });
        using var content = new ChunkedJson(body);
        await _client.PostAsync(new Uri("/api/routes", UriKind.Relative), content).ExpectProblemAsync(HttpStatusCode.RequestEntityTooLarge, "request_too_large");
    }

    [Fact]
    public async Task A_task_body_may_be_larger_than_a_settings_body()
    {
        var queue = Api.UniqueQueue("limits");
        var task = await _client.EnqueueAsync(new { action = "noop", queue, payload = new { blob = new string('x', 200 * 1024) } });
        Assert.Equal(queue, task.GetProperty("queue").GetString());
    }

    [Fact]
    public async Task A_batch_may_be_larger_than_one_task()
    {
        var queue = Api.UniqueQueue("limits");
        var tasks = Enumerable.Range(0, 8).Select(_ => new { action = "noop", queue, payload = new { blob = new string('x', 200 * 1024) } }).ToList();
        var items = await _client.PostJsonAsync("/api/tasks/batch", new { tasks }).ExpectAsync(HttpStatusCode.OK);
        Assert.All(items.EnumerateArray(), i => Assert.True(i.GetProperty("created").GetBoolean()));
    }

    private Task<HttpResponseMessage> PostAsync(string url, string json) =>
        _client.PostAsync(new Uri(url, UriKind.Relative), new StringContent(json, Encoding.UTF8, "application/json"));

    private static string Body(object value) => System.Text.Json.JsonSerializer.Serialize(value);

    /// <summary>JSON sent without a Content-Length (chunked transfer encoding).</summary>
    private sealed class ChunkedJson : HttpContent
    {
        private readonly byte[] _bytes;

        public ChunkedJson(string json)
        {
            _bytes = Encoding.UTF8.GetBytes(json);
            Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(_bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
