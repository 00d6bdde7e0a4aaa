using System.Net;
using OmniActors.Tests.Support;

namespace OmniActors.Tests.Http;

/// <summary><c>/api/approvals</c> over real HTTP: the queue, the four decisions, and a 409 for a task not awaiting approval.</summary>
[Collection(SiloApiCollection.Name)]
public sealed class ApprovalsEndpointsTests(SiloApiFactory factory) : IDisposable
{
    private readonly HttpClient _client = factory.CreateApiClient();

    public void Dispose() => _client.Dispose();

    private async Task<string> AwaitingAsync(string queue)
    {
        var task = await _client.EnqueueAsync(new { action = "echo", queue, payload = new { amount = 10 }, requiresApproval = true });
        Assert.Equal("awaiting_approval", task.Status());
        return task.Id();
    }

    [Fact]
    public async Task The_queue_lists_awaiting_tasks_and_accept_runs_one()
    {
        var queue = Api.UniqueQueue("http-approve");
        var id = await AwaitingAsync(queue);

        var page = await _client.GetAsync($"/api/approvals?queue={queue}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal([id], page.GetProperty("items").EnumerateArray().Select(Api.Id));

        var accepted = await _client.PostJsonAsync($"/api/approvals/{id}/accept", new { by = "ada", comment = "ok" }).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("ada", accepted.GetProperty("approvals")[0].GetProperty("by").GetString());
        Assert.Equal("accept", accepted.GetProperty("approvals")[0].GetProperty("action").GetString());
        await _client.UntilStatusAsync(id, "succeeded");
    }

    [Fact]
    public async Task Modify_reject_and_takeover_each_do_what_they_say()
    {
        var queue = Api.UniqueQueue("http-decide");
        var modify = await AwaitingAsync(queue);
        var reject = await AwaitingAsync(queue);
        var takeover = await AwaitingAsync(queue);

        await _client.PostJsonAsync($"/api/approvals/{modify}/modify", new { by = "ada", payload = new { amount = 3 } }).ExpectAsync(HttpStatusCode.OK);
        var rejected = await _client.PostJsonAsync($"/api/approvals/{reject}/reject", new { by = "ada", reason = "no" }).ExpectAsync(HttpStatusCode.OK);
        var taken = await _client.PostJsonAsync($"/api/approvals/{takeover}/takeover", new { by = "ada", result = new { done = true } }).ExpectAsync(HttpStatusCode.OK);

        var modified = await _client.UntilStatusAsync(modify, "succeeded");
        Assert.Equal(3, modified.GetProperty("result").GetProperty("amount").GetInt32());
        Assert.Equal(("rejected", "no"), (rejected.Status(), rejected.GetProperty("cancelReason").GetString()));
        Assert.Equal("succeeded", taken.Status());
        Assert.True(taken.GetProperty("result").GetProperty("done").GetBoolean());
        Assert.Equal("take_over", taken.GetProperty("approvals")[0].GetProperty("action").GetString());
    }

    [Theory]
    [InlineData("accept", """{"by":"mallory"}""")]
    [InlineData("modify", """{"by":"mallory","payload":{"amount":1}}""")]
    [InlineData("reject", """{"by":"mallory","reason":"because"}""")]
    [InlineData("takeover", """{"by":"mallory","result":1}""")]
    public async Task A_decision_on_a_task_not_awaiting_approval_is_a_409_problem_and_changes_nothing(string decision, string body)
    {
        var queue = Api.UniqueQueue("http-409");
        var plain = await _client.EnqueueAsync(new { action = "echo", queue, payload = new { amount = 10 } });
        var before = await _client.UntilStatusAsync(plain.Id(), "succeeded");

        await _client.PostRawAsync($"/api/approvals/{plain.Id()}/{decision}", body).ExpectProblemAsync(HttpStatusCode.Conflict, "not_awaiting_approval");

        var after = await _client.TaskAsync(plain.Id());
        Assert.Equal(before.GetRawText(), after.GetRawText());
    }

    public static TheoryData<string, string, int, string> BadDecisions => new()
    {
        { "accept", """{}""", 400, "validation_failed" },
        { "accept", """{"by":""}""", 400, "validation_failed" },
        { "reject", """{"by":"ada"}""", 400, "validation_failed" },
        { "modify", """{"by":"ada"}""", 400, "validation_failed" },
        { "modify", """{"by":"ada","payload":""", 400, "malformed_request" },
        { "accept", "", 400, "validation_failed" },
    };

    [Theory]
    [MemberData(nameof(BadDecisions))]
    public async Task A_malformed_decision_is_a_400_problem_and_the_task_still_awaits(string decision, string body, int status, string code)
    {
        var id = await AwaitingAsync(Api.UniqueQueue("http-baddecision"));

        await _client.PostRawAsync($"/api/approvals/{id}/{decision}", body).ExpectProblemAsync((HttpStatusCode)status, code);

        Assert.Equal("awaiting_approval", (await _client.TaskAsync(id)).Status());
    }

    [Fact]
    public async Task An_oversized_modify_payload_is_a_413_problem()
    {
        var id = await AwaitingAsync(Api.UniqueQueue("http-bigmodify"));

        await _client.PostJsonAsync($"/api/approvals/{id}/modify", new { by = "ada", payload = new { blob = new string('x', 256 * 1024) } })
            .ExpectProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");

        Assert.Equal("awaiting_approval", (await _client.TaskAsync(id)).Status());
    }

    [Fact]
    public async Task A_decision_on_an_unknown_task_is_a_404_problem()
    {
        await _client.PostJsonAsync("/api/approvals/no-such-task/accept", new { by = "ada" }).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task A_second_decision_is_a_409_and_the_audit_keeps_only_the_first()
    {
        var id = await AwaitingAsync(Api.UniqueQueue("http-twice"));

        await _client.PostJsonAsync($"/api/approvals/{id}/reject", new { by = "ada", reason = "no" }).ExpectAsync(HttpStatusCode.OK);
        await _client.PostJsonAsync($"/api/approvals/{id}/reject", new { by = "ada", reason = "no" }).ExpectProblemAsync(HttpStatusCode.Conflict, "not_awaiting_approval");

        Assert.Equal(1, (await _client.TaskAsync(id)).GetProperty("approvals").GetArrayLength());
    }
}
