using System.Net;
using System.Net.Http.Json;
using System.Text;
using OmniActors.Schedules;
using OmniActors.Tests.Support;

namespace OmniActors.Tests.Http;

/// <summary><c>/api/schedules</c>: the lifecycle over HTTP, and each bad request as a problem that stores nothing.</summary>
[Collection(SiloApiCollection.Name)]
public sealed class SchedulesEndpointsTests(SiloApiFactory factory) : IDisposable
{
    private readonly HttpClient _client = factory.CreateApiClient();

    public void Dispose() => _client.Dispose();

    private static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    private Task<HttpResponseMessage> PutRawAsync(string name, string json) =>
        _client.PutAsync(Api.Url($"/api/schedules/{name}"), new StringContent(json, Encoding.UTF8, "application/json"));

    private Task<HttpResponseMessage> PostAsync(string url) => _client.PostAsync(Api.Url(url), null);

    [Fact]
    public async Task A_schedule_is_created_read_listed_triggered_paused_resumed_and_deleted()
    {
        var name = UniqueName("http-cron");
        var queue = Api.UniqueQueue("http-sched");
        var body = new
        {
            cron = "0 0 9 * * MON-FRI",
            timeZone = "Europe/Berlin",
            task = new { action = "echo", queue, payload = new { report = "daily" }, priority = 3, retry = new { maxAttempts = 2 } },
            misfire = "skip_to_next",
            overlap = "buffer_one",
        };

        var created = await _client.PutAsJsonAsync(Api.Url($"/api/schedules/{name}"), body).ExpectAsync(HttpStatusCode.Created);
        try
        {
            Assert.Equal(name, created.GetProperty("name").GetString());
            Assert.Equal("cron", created.GetProperty("kind").GetString());
            Assert.Equal("skip_to_next", created.GetProperty("misfire").GetString());
            Assert.Equal("buffer_one", created.GetProperty("overlap").GetString());
            Assert.Equal("daily", created.GetProperty("task").GetProperty("payload").GetProperty("report").GetString());
            var next = created.GetProperty("nextFireAt").GetDateTimeOffset();
            Assert.True(next > DateTimeOffset.UtcNow);
            Assert.Contains(next.ToOffset(TimeSpan.Zero).Hour, new[] { 7, 8 }); // 09:00 in Berlin, summer or winter

            var updated = await _client.PutAsJsonAsync(Api.Url($"/api/schedules/{name}"), body).ExpectAsync(HttpStatusCode.OK);
            Assert.Equal(next, updated.GetProperty("nextFireAt").GetDateTimeOffset());
            var read = await _client.GetAsync($"/api/schedules/{name}").ExpectAsync(HttpStatusCode.OK);
            Assert.Equal(next, read.GetProperty("nextFireAt").GetDateTimeOffset());
            var listed = await _client.GetAsync("/api/schedules").ExpectAsync(HttpStatusCode.OK);
            Assert.Single(listed.EnumerateArray(), s => s.GetProperty("name").GetString() == name);

            var fire = await PostAsync($"/api/schedules/{name}/trigger").ExpectAsync(HttpStatusCode.OK);
            Assert.Equal("enqueued", fire.GetProperty("outcome").GetString());
            Assert.True(fire.GetProperty("manual").GetBoolean());
            var taskId = fire.GetProperty("taskId").GetString()!;
            Assert.Equal("succeeded", (await _client.UntilStatusAsync(taskId, "succeeded")).Status());
            var again = await _client.PostJsonAsync($"/api/schedules/{name}/trigger", new { fireTime = fire.GetProperty("fireTime").GetDateTimeOffset() })
                .ExpectAsync(HttpStatusCode.OK);
            Assert.Equal("already_enqueued", again.GetProperty("outcome").GetString());
            Assert.Equal(taskId, again.GetProperty("taskId").GetString());
            var history = await _client.GetAsync($"/api/schedules/{name}/history").ExpectAsync(HttpStatusCode.OK);
            Assert.Equal(2, history.GetArrayLength());
            Assert.Equal("already_enqueued", history[0].GetProperty("outcome").GetString());

            var paused = await PostAsync($"/api/schedules/{name}/pause").ExpectAsync(HttpStatusCode.OK);
            Assert.True(paused.GetProperty("paused").GetBoolean());
            Assert.False(paused.TryGetProperty("nextFireAt", out _));
            var resumed = await PostAsync($"/api/schedules/{name}/resume").ExpectAsync(HttpStatusCode.OK);
            Assert.False(resumed.GetProperty("paused").GetBoolean());
            Assert.Equal(next, resumed.GetProperty("nextFireAt").GetDateTimeOffset());
        }
        finally
        {
            await _client.DeleteAsync(Api.Url($"/api/schedules/{name}")).ExpectAsync(HttpStatusCode.NoContent);
        }
        await _client.GetAsync($"/api/schedules/{name}").ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        var after = await _client.GetAsync("/api/schedules").ExpectAsync(HttpStatusCode.OK);
        Assert.DoesNotContain(after.EnumerateArray(), s => s.GetProperty("name").GetString() == name);
    }

    [Fact]
    public async Task An_interval_schedule_fires_over_http()
    {
        var name = UniqueName("http-interval");
        var queue = Api.UniqueQueue("http-interval");
        await _client.PutAsJsonAsync(Api.Url($"/api/schedules/{name}"), new { intervalSeconds = 1, task = new { action = "echo", queue } })
            .ExpectAsync(HttpStatusCode.Created);
        try
        {
            var history = await Eventually.Until(() => _client.GetAsync($"/api/schedules/{name}/history").ExpectAsync(HttpStatusCode.OK),
                h => h.GetArrayLength() > 0, Api.Deadline, "a fire");
            var fire = history[0];
            Assert.Equal("enqueued", fire.GetProperty("outcome").GetString());
            Assert.Equal(ScheduleKeys.TaskId(name, fire.GetProperty("fireTime").GetDateTimeOffset()), fire.GetProperty("taskId").GetString());
            Assert.Contains(fire.GetProperty("taskId").GetString(), await _client.IdsInQueueAsync(queue));
        }
        finally
        {
            await _client.DeleteAsync(Api.Url($"/api/schedules/{name}")).ExpectAsync(HttpStatusCode.NoContent);
        }
    }

    public static TheoryData<string, string, string> BadSchedules => new()
    {
        // case, JSON body, code
        { "cron that does not parse", """{"cron":"not a cron","task":{"action":"echo"}}""", "invalid_cron" },
        { "cron with an out-of-range field", """{"cron":"0 61 * * * *","task":{"action":"echo"}}""", "invalid_cron" },
        { "unknown time zone", """{"cron":"0 0 9 * * *","timeZone":"Mars/Olympus_Mons","task":{"action":"echo"}}""", "unknown_time_zone" },
        { "interval of zero", """{"intervalSeconds":0,"task":{"action":"echo"}}""", "validation_failed" },
        { "negative interval", """{"intervalSeconds":-10,"task":{"action":"echo"}}""", "validation_failed" },
        { "unknown action", """{"intervalSeconds":60,"task":{"action":"no-such-action"}}""", "unknown_action" },
        { "no timing", """{"task":{"action":"echo"}}""", "validation_failed" },
        { "cron and interval", """{"cron":"* * * * *","intervalSeconds":60,"task":{"action":"echo"}}""", "validation_failed" },
        { "one-shot in the past", """{"at":"2020-01-01T00:00:00Z","task":{"action":"echo"}}""", "validation_failed" },
        { "no task", """{"intervalSeconds":60}""", "validation_failed" },
        { "template with an idempotency key", """{"intervalSeconds":60,"task":{"action":"echo","idempotencyKey":"k"}}""", "validation_failed" },
        { "unknown misfire policy", """{"intervalSeconds":60,"misfire":"sometimes","task":{"action":"echo"}}""", "malformed_request" },
    };

    [Theory]
    [MemberData(nameof(BadSchedules))]
    public async Task A_bad_schedule_is_a_400_problem_and_stores_nothing(string @case, string body, string code)
    {
        var name = UniqueName("bad");

        var problem = await PutRawAsync(name, body).ExpectProblemAsync(HttpStatusCode.BadRequest, code);

        Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()), @case);
        await _client.GetAsync($"/api/schedules/{name}").ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task A_bad_schedule_name_is_a_400_problem()
    {
        await PutRawAsync("-bad", """{"intervalSeconds":60,"task":{"action":"echo"}}""").ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Theory]
    [InlineData("GET", "")]
    [InlineData("GET", "/history")]
    [InlineData("POST", "/pause")]
    [InlineData("POST", "/resume")]
    [InlineData("POST", "/trigger")]
    [InlineData("DELETE", "")]
    public async Task An_unknown_schedule_is_a_404_problem(string method, string suffix)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), Api.Url($"/api/schedules/{UniqueName("missing")}{suffix}"));
        await _client.SendAsync(request).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
    }
}
