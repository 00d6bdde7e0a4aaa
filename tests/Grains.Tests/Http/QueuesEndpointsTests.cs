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
