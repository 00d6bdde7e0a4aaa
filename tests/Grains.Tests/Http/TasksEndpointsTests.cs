using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OmniActors.Tests.Support;

namespace OmniActors.Tests.Http;

[Collection(SiloApiCollection.Name)]
public sealed class TasksEndpointsTests(SiloApiFactory factory) : IDisposable
{
    private readonly HttpClient _client = factory.CreateApiClient();

    public void Dispose() => _client.Dispose();

    [Fact]
    public async Task Enqueue_answers_201_with_a_location_and_the_result_arrives()
    {
        var queue = Api.UniqueQueue("echo");
        using var response = await _client.PostJsonAsync("/api/tasks", new { action = "echo", queue, payload = new { hello = "world" } });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var task = await response.JsonAsync();
        Assert.Equal($"/api/tasks/{task.Id()}", response.Headers.Location?.OriginalString);
        Assert.Contains(task.Status(), new[] { "queued", "scheduled", "running", "succeeded" });
        Assert.Equal(queue, task.GetProperty("queue").GetString());
        Assert.Equal("echo", task.GetProperty("action").GetString());

        var done = await _client.GetAsync($"/api/tasks/{task.Id()}/result?waitSeconds=10").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("succeeded", done.Status());
        Assert.Equal("world", done.GetProperty("result").GetProperty("hello").GetString());
    }

    [Fact]
    public async Task A_delayed_task_is_scheduled_and_its_result_call_answers_202_until_it_ends()
    {
        var task = await _client.EnqueueAsync(new { action = "echo", queue = Api.UniqueQueue("later"), delaySeconds = 3600 });
        Assert.Equal("scheduled", task.Status());
        var pending = await _client.GetAsync($"/api/tasks/{task.Id()}/result?waitSeconds=0.2").ExpectAsync(HttpStatusCode.Accepted);
        Assert.Equal("scheduled", pending.Status());
    }

    [Fact]
    public async Task A_repeated_enqueue_under_the_same_idempotency_key_returns_the_first_task_with_200()
    {
        var queue = Api.UniqueQueue("idem");
        var key = Guid.NewGuid().ToString("N");
        var body = new { action = "echo", queue, payload = new { n = 1 } };

        var first = await Send(body, key).ExpectAsync(HttpStatusCode.Created);
        var second = await Send(body, key).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(first.Id(), second.Id());
        Assert.Equal(key, second.GetProperty("idempotencyKey").GetString());
        Assert.Equal([first.Id()], await _client.IdsInQueueAsync(queue));
    }

    [Fact]
    public async Task The_same_idempotency_key_with_another_payload_is_a_409_and_leaves_the_first_task_alone()
    {
        var queue = Api.UniqueQueue("idem");
        var key = Guid.NewGuid().ToString("N");
        var first = await Send(new { action = "echo", queue, payload = new { n = 1 } }, key).ExpectAsync(HttpStatusCode.Created);

        await Send(new { action = "echo", queue, payload = new { n = 2 } }, key).ExpectProblemAsync(HttpStatusCode.Conflict, "idempotency_conflict");

        var unchanged = await _client.TaskAsync(first.Id());
        Assert.Equal(1, unchanged.GetProperty("payload").GetProperty("n").GetInt32());
        Assert.Equal([first.Id()], await _client.IdsInQueueAsync(queue));
    }

    [Fact]
    public async Task An_unknown_task_is_a_404_problem()
    {
        await _client.GetAsync("/api/tasks/no-such-task-" + Guid.NewGuid().ToString("N")).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Waiting_for_the_result_of_an_unknown_task_is_a_404_problem()
    {
        await _client.GetAsync($"/api/tasks/no-such-task-{Guid.NewGuid():N}/result?waitSeconds=1").ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Cancelling_a_delayed_task_answers_cancelled_and_cancelling_again_is_a_409()
    {
        var task = await _client.EnqueueAsync(new { action = "echo", queue = Api.UniqueQueue("cancel"), delaySeconds = 3600 });

        var cancelled = await _client.PostJsonAsync($"/api/tasks/{task.Id()}/cancel", new { reason = "not needed" }).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("cancelled", cancelled.Status());
        Assert.Equal("not needed", cancelled.GetProperty("cancelReason").GetString());
        Assert.Equal("cancelled", (await _client.TaskAsync(task.Id())).Status());

        await _client.PostJsonAsync($"/api/tasks/{task.Id()}/cancel", new { }).ExpectProblemAsync(HttpStatusCode.Conflict, "invalid_transition");
    }

    [Fact]
    public async Task Cancel_needs_no_body()
    {
        var task = await _client.EnqueueAsync(new { action = "echo", queue = Api.UniqueQueue("cancel"), delaySeconds = 3600 });
        var cancelled = await _client.PostAsync(Api.Url($"/api/tasks/{task.Id()}/cancel"), null).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("cancelled", cancelled.Status());
    }

    [Fact]
    public async Task Cancelling_an_unknown_task_is_a_404_problem()
    {
        await _client.PostJsonAsync($"/api/tasks/no-such-task-{Guid.NewGuid():N}/cancel", new { }).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task A_batch_answers_per_item_and_stores_only_the_valid_items()
    {
        var queue = Api.UniqueQueue("batch");
        var items = await _client.PostJsonAsync("/api/tasks/batch", new
        {
            tasks = new object[]
            {
                new { action = "echo", queue, payload = new { i = 0 } },
                new { action = "no-such-action", queue },
                new { queue },
                new { action = "echo", queue, priority = 5000 },
                new { action = "echo", queue, payload = new { i = 4 } },
            },
        }).ExpectAsync(HttpStatusCode.OK);

        var answer = items.EnumerateArray().ToList();
        Assert.Equal(5, answer.Count);
        Assert.True(answer[0].GetProperty("created").GetBoolean());
        Assert.Equal("unknown_action", ErrorCode(answer[1]));
        Assert.Equal("validation_failed", ErrorCode(answer[2]));
        Assert.Equal("validation_failed", ErrorCode(answer[3]));
        Assert.True(answer[4].GetProperty("created").GetBoolean());
        Assert.Equal(4, answer[4].GetProperty("task").GetProperty("payload").GetProperty("i").GetInt32());

        var stored = await _client.IdsInQueueAsync(queue);
        Assert.Equal(
            new[] { answer[0], answer[4] }.Select(a => a.GetProperty("task").Id()).Order(),
            stored.Order());
    }

    [Fact]
    public async Task An_empty_batch_is_a_400_problem()
    {
        await _client.PostJsonAsync("/api/tasks/batch", new { tasks = Array.Empty<object>() }).ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task A_batch_without_tasks_is_a_400_problem()
    {
        await _client.PostJsonAsync("/api/tasks/batch", new { }).ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task Listing_pages_through_every_task_once_with_the_next_cursor()
    {
        var queue = Api.UniqueQueue("paging");
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await _client.EnqueueAsync(new { action = "echo", queue, payload = new { i } })).Id());
        }
        foreach (var id in ids)
        {
            await _client.UntilStatusAsync(id, "succeeded");
        }

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var url = $"/api/tasks?queue={queue}&status=succeeded&limit=2" + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}");
            var page = await _client.GetAsync(url).ExpectAsync(HttpStatusCode.OK);
            var items = page.GetProperty("items").EnumerateArray().ToList();
            Assert.InRange(items.Count, 1, 2);
            Assert.All(items, t => Assert.Equal("succeeded", t.Status()));
            seen.AddRange(items.Select(Api.Id));
            cursor = page.TryGetProperty("nextCursor", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
            pages++;
        }
        while (cursor is not null && pages < 10);

        Assert.Equal(3, pages);
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Equal(ids.Order(), seen.Order());
    }

    [Fact]
    public async Task Listing_filters_by_status()
    {
        var queue = Api.UniqueQueue("filter");
        var later = await _client.EnqueueAsync(new { action = "echo", queue, delaySeconds = 3600 });
        var now = await _client.EnqueueAsync(new { action = "echo", queue });
        await _client.UntilStatusAsync(now.Id(), "succeeded");

        var scheduled = await _client.GetAsync($"/api/tasks?queue={queue}&status=scheduled").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal([later.Id()], scheduled.GetProperty("items").EnumerateArray().Select(Api.Id).ToList());
    }

    private async Task<HttpResponseMessage> Send(object body, string idempotencyKey)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Api.Url("/api/tasks")) { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", idempotencyKey);
        return await _client.SendAsync(request);
    }

    private static string? ErrorCode(JsonElement item)
    {
        Assert.False(item.GetProperty("created").GetBoolean());
        Assert.False(item.TryGetProperty("task", out _));
        return item.GetProperty("error").GetProperty("code").GetString();
    }
}
