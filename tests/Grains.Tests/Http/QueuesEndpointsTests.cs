using System.Net;
using OmniActors.Tests.Support;

namespace OmniActors.Tests.Http;

[Collection(SiloApiCollection.Name)]
public sealed class QueuesEndpointsTests(SiloApiFactory factory) : IDisposable
{
    private readonly HttpClient _client = factory.CreateApiClient();

    public void Dispose() => _client.Dispose();

    [Fact]
    public async Task The_queue_list_includes_a_queue_that_holds_tasks()
    {
        var queue = Api.UniqueQueue("listed");
        await _client.EnqueueAsync(new { action = "echo", queue, delaySeconds = 3600 });

        var queues = await _client.GetAsync("/api/queues").ExpectAsync(HttpStatusCode.OK);

        var stats = Assert.Single(queues.EnumerateArray(), q => q.GetProperty("queue").GetString() == queue);
        Assert.False(stats.GetProperty("paused").GetBoolean());
        Assert.Contains(queues.EnumerateArray(), q => q.GetProperty("queue").GetString() == "default");
    }

    [Fact]
    public async Task A_queue_shows_its_figures()
    {
        var queue = Api.UniqueQueue("figures");
        await _client.EnqueueAsync(new { action = "echo", queue, delaySeconds = 3600 });

        var stats = await Eventually.Until(() => _client.GetAsync($"/api/queues/{queue}").ExpectAsync(HttpStatusCode.OK),
            s => s.GetProperty("scheduled").GetInt32() == 1, Api.Deadline, "the delayed task counts as scheduled");
        Assert.Equal(queue, stats.GetProperty("queue").GetString());
        Assert.Equal(16, stats.GetProperty("concurrency").GetInt32());
        Assert.Equal(4, stats.GetProperty("partitions").GetInt32());
    }

    [Fact]
    public async Task Running_returns_to_zero_once_every_task_has_ended()
    {
        var queue = Api.UniqueQueue("drained");
        var tasks = Enumerable.Range(0, 200).Select(object (i) => (i % 5) switch
        {
            0 => new { action = "test-flaky", queue, payload = new { succeedOn = 2 } },
            1 => new { action = "test-fail", queue, retry = new { maxAttempts = 2 } },
            _ => new { action = "noop", queue },
        }).ToList();
        await _client.PostJsonAsync("/api/tasks/batch", new { tasks }).ExpectAsync(HttpStatusCode.OK);
        await Eventually.Until(async () =>
            {
                var page = await _client.GetAsync($"/api/tasks?queue={queue}&limit=500").ExpectAsync(HttpStatusCode.OK);
                return page.GetProperty("items").EnumerateArray().Count(t => t.Status() is "succeeded" or "dead_lettered");
            }, ended => ended == 200, Api.Deadline, "every task ended");

        // Cancelled while running, and timed out while running, end too.
        var blocked = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            blocked.Add((await _client.EnqueueAsync(new { action = "test-block", queue })).Id());
            blocked.Add((await _client.EnqueueAsync(new { action = "test-ignore-cancel", queue, retry = new { maxAttempts = 1 } })).Id());
        }
        foreach (var id in blocked.Where((_, i) => i % 2 == 0))
        {
            await _client.UntilStatusAsync(id, "running");
            await _client.PostJsonAsync($"/api/tasks/{id}/cancel", new { reason = "test" }).ExpectAsync(HttpStatusCode.OK);
        }
        foreach (var id in blocked)
        {
            await Eventually.Until(() => _client.TaskAsync(id), t => t.Status() is "cancelled" or "dead_lettered" or "failed", Api.Deadline, $"task {id} ended");
        }

        // Well under the lease (3 s here): the count must follow the tasks, not wait for lease checks to mop up.
        await Eventually.Until(() => _client.GetAsync($"/api/queues/{queue}").ExpectAsync(HttpStatusCode.OK),
            s => s.GetProperty("running").GetInt32() == 0, TimeSpan.FromSeconds(1), "running is back to 0");
    }

    [Fact]
    public async Task A_paused_queue_holds_its_tasks_until_resumed()
    {
        var queue = Api.UniqueQueue("paused");
        var paused = await _client.PostAsync(Api.Url($"/api/queues/{queue}/pause"), null).ExpectAsync(HttpStatusCode.OK);
        Assert.True(paused.GetProperty("paused").GetBoolean());
        Assert.True((await _client.GetAsync($"/api/queues/{queue}").ExpectAsync(HttpStatusCode.OK)).GetProperty("paused").GetBoolean());

        var task = await _client.EnqueueAsync(new { action = "echo", queue, payload = new { n = 1 } });
        var held = await _client.GetAsync($"/api/tasks/{task.Id()}/result?waitSeconds=1").ExpectAsync(HttpStatusCode.Accepted);
        Assert.Equal("queued", held.Status());

        var resumed = await _client.PostAsync(Api.Url($"/api/queues/{queue}/resume"), null).ExpectAsync(HttpStatusCode.OK);
        Assert.False(resumed.GetProperty("paused").GetBoolean());
        var done = await _client.GetAsync($"/api/tasks/{task.Id()}/result?waitSeconds=10").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("succeeded", done.Status());
    }

    [Theory]
    [InlineData("GET", "/api/queues/-bad")]
    [InlineData("POST", "/api/queues/-bad/pause")]
    [InlineData("POST", "/api/queues/-bad/resume")]
    [InlineData("GET", "/api/queues/bad%20name")]
    public async Task An_invalid_queue_name_in_the_route_is_a_400_problem(string method, string url)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), Api.Url(url));
        await _client.SendAsync(request).ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }
}
