using System.Net;
using OmniActors.Tests.Support;

namespace OmniActors.Tests.Http;

[Collection(SiloApiCollection.Name)]
public sealed class DeadLettersEndpointsTests(SiloApiFactory factory) : IDisposable
{
    private readonly HttpClient _client = factory.CreateApiClient();

    public void Dispose() => _client.Dispose();

    [Fact]
    public async Task A_task_out_of_attempts_is_listed_and_shown_as_a_dead_letter()
    {
        var queue = Api.UniqueQueue("dlq");
        var id = await DeadLetterAsync(queue);

        var page = await _client.GetAsync($"/api/dead-letters?queue={queue}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal([id], page.GetProperty("items").EnumerateArray().Select(Api.Id).ToList());

        var letter = await _client.GetAsync($"/api/dead-letters/{id}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("dead_lettered", letter.Status());
        Assert.Equal(1, letter.GetProperty("attempt").GetInt32());
        Assert.Equal(1, letter.GetProperty("maxAttempts").GetInt32());
        Assert.Equal(typeof(InvalidOperationException).FullName, letter.GetProperty("lastError").GetProperty("type").GetString());
    }

    [Fact]
    public async Task A_task_that_is_not_dead_lettered_is_not_found_among_dead_letters()
    {
        var task = await _client.EnqueueAsync(new { action = "echo", queue = Api.UniqueQueue("dlq"), delaySeconds = 3600 });
        await _client.GetAsync($"/api/dead-letters/{task.Id()}").ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        await _client.GetAsync($"/api/dead-letters/no-such-task-{Guid.NewGuid():N}").ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Requeueing_a_dead_letter_runs_it_again_from_the_first_attempt()
    {
        var queue = Api.UniqueQueue("dlq");
        var id = await DeadLetterAsync(queue);
        var runsBefore = factory.Probe.Executions.GetValueOrDefault(id);

        var requeued = await _client.PostAsync(Api.Url($"/api/dead-letters/{id}/requeue"), null).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("queued", requeued.Status());
        Assert.Equal(0, requeued.GetProperty("attempt").GetInt32());

        // It fails again (test-fail always does), so it ends dead-lettered once more, after a second run.
        await Eventually.True(() => factory.Probe.Executions.GetValueOrDefault(id) > runsBefore, Api.Deadline, "the requeued task ran again");
        var again = await _client.UntilStatusAsync(id, "dead_lettered");
        Assert.Equal(1, again.GetProperty("attempt").GetInt32());
    }

    [Fact]
    public async Task Requeueing_a_task_that_is_not_dead_lettered_is_a_409_problem()
    {
        var task = await _client.EnqueueAsync(new { action = "echo", queue = Api.UniqueQueue("dlq"), delaySeconds = 3600 });
        await _client.PostAsync(Api.Url($"/api/dead-letters/{task.Id()}/requeue"), null).ExpectProblemAsync(HttpStatusCode.Conflict, "invalid_transition");
    }

    [Fact]
    public async Task Requeueing_an_unknown_task_is_a_404_problem()
    {
        await _client.PostAsync(Api.Url($"/api/dead-letters/no-such-task-{Guid.NewGuid():N}/requeue"), null).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Requeueing_a_queues_dead_letters_answers_how_many()
    {
        var queue = Api.UniqueQueue("dlq");
        var ids = await Task.WhenAll(DeadLetterAsync(queue), DeadLetterAsync(queue));

        var answer = await _client.PostAsync(Api.Url($"/api/dead-letters/requeue?queue={queue}"), null).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(2, answer.GetProperty("count").GetInt32());
        foreach (var id in ids)
        {
            // Requeued, run and failed again; a second bulk requeue would find them again.
            await _client.UntilStatusAsync(id, "dead_lettered");
        }
    }

    [Fact]
    public async Task Purging_a_dead_letter_deletes_the_task()
    {
        var queue = Api.UniqueQueue("dlq");
        var id = await DeadLetterAsync(queue);

        using (var response = await _client.DeleteAsync(Api.Url($"/api/dead-letters/{id}")))
        {
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }

        await _client.GetAsync($"/api/tasks/{id}").ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        Assert.Empty(await _client.IdsInQueueAsync(queue));
    }

    [Fact]
    public async Task Purging_a_task_that_is_not_dead_lettered_is_a_409_problem()
    {
        var task = await _client.EnqueueAsync(new { action = "echo", queue = Api.UniqueQueue("dlq"), delaySeconds = 3600 });
        await _client.DeleteAsync(Api.Url($"/api/dead-letters/{task.Id()}")).ExpectProblemAsync(HttpStatusCode.Conflict, "invalid_transition");
        Assert.Equal("scheduled", (await _client.TaskAsync(task.Id())).Status());
    }

    [Fact]
    public async Task Purging_an_unknown_task_is_a_404_problem()
    {
        await _client.DeleteAsync(Api.Url($"/api/dead-letters/no-such-task-{Guid.NewGuid():N}")).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Purging_a_queues_dead_letters_answers_how_many_and_spares_other_tasks()
    {
        var queue = Api.UniqueQueue("dlq");
        var ids = await Task.WhenAll(DeadLetterAsync(queue), DeadLetterAsync(queue), DeadLetterAsync(queue));
        var kept = await _client.EnqueueAsync(new { action = "echo", queue, delaySeconds = 3600 });

        var answer = await _client.DeleteAsync(Api.Url($"/api/dead-letters?queue={queue}")).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(3, answer.GetProperty("count").GetInt32());
        Assert.Equal([kept.Id()], await _client.IdsInQueueAsync(queue));
        foreach (var id in ids)
        {
            await _client.GetAsync($"/api/tasks/{id}").ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        }
    }

    /// <summary>Enqueues a task that fails its only attempt and waits until it is dead-lettered.</summary>
    private async Task<string> DeadLetterAsync(string queue)
    {
        var task = await _client.EnqueueAsync(new { action = "test-fail", queue, retry = new { maxAttempts = 1 } });
        var done = await _client.GetAsync($"/api/tasks/{task.Id()}/result?waitSeconds=20").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("dead_lettered", done.Status());
        return task.Id();
    }
}
