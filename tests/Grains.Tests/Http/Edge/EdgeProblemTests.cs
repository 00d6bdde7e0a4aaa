using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OmniActors.Silo.Api;

namespace OmniActors.Tests.Http.Edge;

/// <summary>The examples the route-wide test generalizes, with what each problem must say.</summary>
[Collection(EdgeSiloCollection.Name)]
public sealed class EdgeProblemTests(EdgeSilo silo) : IDisposable
{
    private readonly HttpClient _client = silo.CreateApiClient();

    public void Dispose() => _client.Dispose();

    [Theory]
    [InlineData("GET", "/api/tasks/%20")]
    [InlineData("GET", "/api/tasks/%20%20/result")]
    [InlineData("GET", "/api/dead-letters/%09")]
    [InlineData("POST", "/api/approvals/%20/accept")]
    [InlineData("GET", "/api/identities/%20")]
    [InlineData("GET", "/api/workflows/%20")]
    public async Task A_blank_path_id_is_a_400_problem(string method, string url)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(url, UriKind.Relative)) { Content = Json("{}") };
        var problem = await _client.SendAsync(request).ExpectProblemAsync(HttpStatusCode.BadRequest, "invalid_path_value");
        Assert.Contains("blank", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/schedules/%20")]
    [InlineData("/api/queues/%20")]
    [InlineData("/api/queues/a%20b")]
    public async Task A_blank_or_malformed_name_in_the_path_is_a_400_problem(string url)
    {
        var problem = await _client.GetAsync(url).ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.Contains("not a valid name", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("-1")]
    public async Task A_wait_that_is_not_a_number_of_seconds_is_a_400_problem(string wait)
    {
        var problem = await _client.GetAsync($"/api/tasks/whatever/result?waitSeconds={wait}").ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.Contains("waitSeconds", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/tasks", "text/plain")]
    [InlineData("/api/tasks", "application/x-www-form-urlencoded")]
    [InlineData("/api/tasks", "application/xml")]
    [InlineData("/api/routes", "text/plain")]
    [InlineData("/api/identities/resolve", "application/xml")]
    public async Task A_body_that_is_not_json_is_a_415_problem(string url, string contentType)
    {
        var problem = await _client.PostAsync(new Uri(url, UriKind.Relative), new StringContent("action=noop", Encoding.UTF8, contentType))
            .ExpectProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        Assert.Contains(contentType, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"action":"noop","priority":"high"}""", "\"priority\" must be a whole number")]
    [InlineData("""{"action":"noop","runAt":"not a date"}""", "\"runAt\" must be a date and time")]
    [InlineData("""{"action":"noop","retry":{"maxAttempts":true}}""", "\"retry.maxAttempts\" must be a whole number")]
    [InlineData("""{"action":"noop","dependsOn":[1]}""", "\"dependsOn[0]\" must be a string")]
    [InlineData("""{"action":"noop","runWhen":"sometimes"}""", "\"runWhen\" must be one of: all_succeeded")]
    [InlineData("""{"action":"noop","requiresApproval":"yes"}""", "\"requiresApproval\" must be true or false")]
    [InlineData("[1]", "The body must be an object")]
    [InlineData("""{"action":"noop",""", "The body is not valid JSON (line 1")]
    public async Task A_field_of_the_wrong_type_is_named_with_what_it_must_be(string body, string detail)
    {
        var problem = await _client.PostAsync(new Uri("/api/tasks", UriKind.Relative), Json(body)).ExpectProblemAsync(HttpStatusCode.BadRequest, "malformed_request");
        var text = problem.GetProperty("detail").GetString()!;
        Assert.Contains(detail, text, StringComparison.Ordinal);
        Assert.DoesNotContain("EnqueueRequest", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_snake_case_body_names_its_field_too()
    {
        var problem = await _client.PostAsync(new Uri("/api/routes", UriKind.Relative), Json("""{"action":"noop","text_prefix":7}"""))
            .ExpectProblemAsync(HttpStatusCode.BadRequest, "malformed_payload");
        Assert.Contains("\"text_prefix\" must be a string", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_query_value_of_the_wrong_type_is_named_with_what_it_must_be()
    {
        var problem = await _client.GetAsync("/api/tasks?limit=many").ExpectProblemAsync(HttpStatusCode.BadRequest, "malformed_request");
        Assert.Equal("\"limit\" must be a whole number; got 'many'.", problem.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("""{"action":"noop","delaySeconds":99999999}""", "99999999")]
    [InlineData("""{"action":"noop","timeoutSeconds":999999}""", "999999")]
    public async Task Durations_in_errors_are_seconds(string body, string seconds)
    {
        var problem = await _client.PostAsync(new Uri("/api/tasks", UriKind.Relative), Json(body)).ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains(seconds, detail, StringComparison.Ordinal);
        Assert.DoesNotContain(":00:", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_encoded_id_is_echoed_decoded()
    {
        var problem = await _client.GetAsync("/api/routes/a%2Fb%20c").ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        Assert.Equal("Route a/b c does not exist.", problem.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("/api/events/stream?type=bogus", null, "invalid_event_type")]
    [InlineData("/api/events/stream", "not-a-sequence", "invalid_last_event_id")]
    [InlineData("/api/tasks/no-such-task", null, "not_found")]
    public async Task An_event_stream_client_is_refused_with_a_problem_body_and_no_error_logged(string url, string? lastEventId, string code)
    {
        var errorsBefore = silo.Errors.Lines.Count;
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(url, UriKind.Relative));
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }
        var status = code == "not_found" ? HttpStatusCode.NotFound : HttpStatusCode.BadRequest;
        await _client.SendAsync(request).ExpectProblemAsync(status, code);
        Assert.Equal(errorsBefore, silo.Errors.Lines.Count);
    }

    [Theory]
    [InlineData("GET", "/api/no-such-route", 404, "not_found")]
    [InlineData("DELETE", "/api/tasks", 405, "method_not_allowed")]
    public async Task The_frameworks_own_refusals_carry_a_code(string method, string url, int status, string code)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(url, UriKind.Relative));
        await _client.SendAsync(request).ExpectProblemAsync((HttpStatusCode)status, code);
    }

    [Fact]
    public async Task A_server_error_is_logged_at_error_with_the_trace_id_it_answers_with()
    {
        var log = new ErrorLog();
        using var factory = new LoggerFactory([log]);
        var writer = new ProblemWriter(Options.Create(new Microsoft.AspNetCore.Http.Json.JsonOptions()), factory.CreateLogger<ProblemWriter>());
        var context = new DefaultHttpContext { TraceIdentifier = "trace-42" };
        context.Request.Method = "GET";
        context.Request.Path = "/api/tasks/x";
        using var body = new MemoryStream();
        context.Response.Body = body;
        var (status, title, code, detail) = Problems.Classify(new InvalidOperationException("secret internals"));

        await writer.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = new InvalidOperationException("secret internals"),
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail, Extensions = { ["code"] = code } },
        });

        var answer = Encoding.UTF8.GetString(body.ToArray());
        Assert.Contains("\"traceId\":\"trace-42\"", answer, StringComparison.Ordinal);
        Assert.Contains("\"code\":\"internal_error\"", answer, StringComparison.Ordinal);
        Assert.DoesNotContain("secret internals", answer, StringComparison.Ordinal);
        var line = Assert.Single(log.Lines);
        Assert.Contains("trace-42", line.Message, StringComparison.Ordinal);
        Assert.IsType<InvalidOperationException>(line.Exception);
    }

    [Fact]
    public async Task The_openapi_document_needs_the_key_as_the_api_does()
    {
        using var anonymous = new HttpClient { BaseAddress = silo.BaseAddress };
        await anonymous.GetAsync(new Uri("/openapi/v1.json", UriKind.Relative)).ExpectProblemAsync(HttpStatusCode.Unauthorized, "api_key_missing");
        using var document = await _client.GetAsync(new Uri("/openapi/v1.json", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, document.StatusCode);
    }

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");
}
