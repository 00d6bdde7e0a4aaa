using System.Net;
using OmniActors.Tests.Support;

namespace OmniActors.Tests.Http;

/// <summary>Each bad request is an RFC 9457 problem with the right status and code, and stores nothing.</summary>
[Collection(SiloApiCollection.Name)]
public sealed class BadInputTests(SiloApiFactory factory) : IDisposable
{
    private readonly HttpClient _client = factory.CreateApiClient();

    public void Dispose() => _client.Dispose();

    public static TheoryData<string, string, int, string> BadTasks => new()
    {
        // name, JSON body ({queue} is replaced with the test's queue), status, code
        { "unknown action", """{"action":"no-such-action","queue":"{queue}"}""", 400, "unknown_action" },
        { "missing action", """{"queue":"{queue}","payload":1}""", 400, "validation_failed" },
        { "blank action", """{"action":"  ","queue":"{queue}"}""", 400, "validation_failed" },
        { "negative delay", """{"action":"echo","queue":"{queue}","delaySeconds":-5}""", 400, "validation_failed" },
        { "priority too high", """{"action":"echo","queue":"{queue}","priority":5000}""", 400, "validation_failed" },
        { "runAt and delay", """{"action":"echo","queue":"{queue}","runAt":"2030-01-01T00:00:00Z","delaySeconds":5}""", 400, "validation_failed" },
        { "zero timeout", """{"action":"echo","queue":"{queue}","timeoutSeconds":0}""", 400, "validation_failed" },
        { "zero attempts", """{"action":"echo","queue":"{queue}","retry":{"maxAttempts":0}}""", 400, "validation_failed" },
        { "header and body keys differ", """{"action":"echo","queue":"{queue}","idempotencyKey":"a"}""", 400, "validation_failed" },
    };

    [Theory]
    [MemberData(nameof(BadTasks))]
    public async Task A_bad_task_is_a_problem_and_stores_nothing(string name, string body, int status, string code)
    {
        var queue = Api.UniqueQueue("bad");
        using var request = new HttpRequestMessage(HttpMethod.Post, Api.Url("/api/tasks"))
        {
            Content = new StringContent(body.Replace("{queue}", queue, StringComparison.Ordinal), System.Text.Encoding.UTF8, "application/json"),
        };
        // Only the "keys differ" case also names a key in its body.
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString("N"));

        var problem = await _client.SendAsync(request).ExpectProblemAsync((HttpStatusCode)status, code);

        Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()), name);
        Assert.Empty(await _client.IdsInQueueAsync(queue));
    }

    [Fact]
    public async Task A_bad_queue_name_is_a_400_problem()
    {
        const string queue = "-bad queue!";
        await _client.PostJsonAsync("/api/tasks", new { action = "echo", queue }).ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.Empty(await _client.IdsInQueueAsync(queue));
    }

    [Fact]
    public async Task A_payload_over_256_KiB_is_a_413_problem_and_stores_nothing()
    {
        var queue = Api.UniqueQueue("big");
        var body = new { action = "echo", queue, payload = new { blob = new string('x', 256 * 1024) } };
        await _client.PostJsonAsync("/api/tasks", body).ExpectProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
        Assert.Empty(await _client.IdsInQueueAsync(queue));
    }

    [Fact]
    public async Task A_payload_just_under_the_limit_is_accepted()
    {
        var queue = Api.UniqueQueue("big");
        var blob = new string('x', 256 * 1024 - """{"blob":""}""".Length);
        var task = await _client.EnqueueAsync(new { action = "noop", queue, payload = new { blob } });
        Assert.Equal([task.Id()], await _client.IdsInQueueAsync(queue));
    }

    [Theory]
    [InlineData("""{"action":"echo","queue":""")]
    [InlineData("""{"action": echo}""")]
    [InlineData("""{"action":"echo","priority":"high"}""")]
    public async Task A_malformed_json_body_is_a_400_problem(string json)
    {
        await _client.PostRawAsync("/api/tasks", json).ExpectProblemAsync(HttpStatusCode.BadRequest, "malformed_request");
    }

    [Fact]
    public async Task An_empty_body_is_a_400_problem()
    {
        await _client.PostRawAsync("/api/tasks", "").ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task An_unknown_status_filter_is_a_400_problem()
    {
        var problem = await _client.GetAsync("/api/tasks?status=finished").ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.Contains("succeeded", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("bogus")]
    [InlineData("Ym9ndXM=")] // "bogus" in base64, without the separator
    [InlineData("YWJjOmRlZg==")] // "abc:def", a non-numeric instant
    [InlineData("MTIzOg==")] // "123:", no id
    [InlineData("LTU6eA==")] // "-5:x", a negative instant
    public async Task A_cursor_the_api_did_not_return_is_a_400_problem(string cursor)
    {
        await _client.GetAsync($"/api/tasks?cursor={Uri.EscapeDataString(cursor)}").ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(501)]
    [InlineData(-1)]
    public async Task A_limit_out_of_range_is_a_400_problem(int limit)
    {
        await _client.GetAsync($"/api/tasks?limit={limit}").ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task A_limit_out_of_range_on_dead_letters_is_a_400_problem()
    {
        await _client.GetAsync("/api/dead-letters?limit=0").ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task A_non_numeric_limit_is_a_400_problem()
    {
        await _client.GetAsync("/api/tasks?limit=many").ExpectProblemAsync(HttpStatusCode.BadRequest, "malformed_request");
    }
}
