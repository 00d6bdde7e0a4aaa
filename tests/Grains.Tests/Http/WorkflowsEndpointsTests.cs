using System.Net;
using System.Text.Json;
using OmniActors.Tests.Support;

namespace OmniActors.Tests.Http;

/// <summary><c>/api/workflows</c> and dependencies over real HTTP: each bad input a problem that stores nothing.</summary>
[Collection(SiloApiCollection.Name)]
public sealed class WorkflowsEndpointsTests(SiloApiFactory factory) : IDisposable
{
    private readonly HttpClient _client = factory.CreateApiClient();

    public void Dispose() => _client.Dispose();

    private static object Node(string key, string queue, string action = "echo", object? payload = null) =>
        new { key, task = new { action, queue, payload = payload ?? new { key } } };

    [Fact]
    public async Task A_workflow_runs_and_reports_each_node()
    {
        var queue = Api.UniqueQueue("http-wf");
        var created = await _client.PostJsonAsync("/api/workflows", new
        {
            nodes = new[] { Node("a", queue), Node("b", queue), Node("c", queue) },
            edges = new[] { new { from = "a", to = "b" }, new { from = "b", to = "c" } },
        }).ExpectAsync(HttpStatusCode.Created);
        var id = created.GetProperty("id").GetString()!;

        var done = await Eventually.Until(() => _client.GetAsync($"/api/workflows/{id}").ExpectAsync(HttpStatusCode.OK),
            w => w.GetProperty("finished").GetBoolean(), Api.Deadline, "the workflow finishes");

        var nodes = done.GetProperty("nodes").EnumerateArray().ToList();
        Assert.Equal(["a", "b", "c"], nodes.Select(n => n.GetProperty("key").GetString()));
        Assert.All(nodes, n => Assert.Equal("succeeded", n.GetProperty("status").GetString()));
        Assert.Equal(2, done.GetProperty("edges").GetArrayLength());
        var c = nodes[2].GetProperty("task");
        Assert.Equal([nodes[1].GetProperty("taskId").GetString()], c.GetProperty("dependsOn").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(id, c.GetProperty("workflowId").GetString());
    }

    [Fact]
    public async Task A_cycle_is_a_422_problem_naming_it_and_creates_nothing()
    {
        var queue = Api.UniqueQueue("http-cycle");
        var problem = await _client.PostJsonAsync("/api/workflows", new
        {
            nodes = new[] { Node("a", queue), Node("b", queue), Node("c", queue) },
            edges = new[] { new { from = "a", to = "b" }, new { from = "b", to = "c" }, new { from = "c", to = "a" } },
        }).ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "workflow_cycle");

        Assert.Contains("a → b → c → a", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(await _client.IdsInQueueAsync(queue));
    }

    public static TheoryData<string, string, int, string> BadWorkflows => new()
    {
        // name, body ({queue} replaced), status, code
        { "no nodes", """{"nodes":[]}""", 400, "validation_failed" },
        { "no body fields", """{}""", 400, "validation_failed" },
        { "duplicate keys", """{"nodes":[{"key":"a","task":{"action":"echo","queue":"{queue}"}},{"key":"a","task":{"action":"echo","queue":"{queue}"}}]}""", 400, "validation_failed" },
        { "duplicate edge", """{"nodes":[{"key":"a","task":{"action":"echo","queue":"{queue}"}},{"key":"b","task":{"action":"echo","queue":"{queue}"}}],"edges":[{"from":"a","to":"b"},{"from":"a","to":"b"}]}""", 400, "validation_failed" },
        { "edge to unknown node", """{"nodes":[{"key":"a","task":{"action":"echo","queue":"{queue}"}}],"edges":[{"from":"a","to":"z"}]}""", 400, "validation_failed" },
        { "node without task", """{"nodes":[{"key":"a"}]}""", 400, "validation_failed" },
        { "bad key", """{"nodes":[{"key":"../x","task":{"action":"echo","queue":"{queue}"}}]}""", 400, "validation_failed" },
        { "unknown action in a node", """{"nodes":[{"key":"a","task":{"action":"echo","queue":"{queue}"}},{"key":"b","task":{"action":"nope","queue":"{queue}"}}]}""", 400, "unknown_action" },
        { "missing outside dependency", """{"nodes":[{"key":"a","task":{"action":"echo","queue":"{queue}","dependsOn":["no-such-task"]}}]}""", 422, "dependency_not_found" },
        { "forged run condition", """{"nodes":[{"key":"a","task":{"action":"echo","queue":"{queue}","runWhen":"sometimes"}}]}""", 400, "malformed_request" },
        { "malformed json", """{"nodes":[{"key":"a",""", 400, "malformed_request" },
    };

    [Theory]
    [MemberData(nameof(BadWorkflows))]
    public async Task A_bad_workflow_is_a_problem_and_stores_nothing(string name, string body, int status, string code)
    {
        var queue = Api.UniqueQueue("http-badwf");

        var problem = await _client.PostRawAsync("/api/workflows", body.Replace("{queue}", queue, StringComparison.Ordinal))
            .ExpectProblemAsync((HttpStatusCode)status, code);

        Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()), name);
        Assert.Empty(await _client.IdsInQueueAsync(queue));
    }

    [Fact]
    public async Task An_oversized_workflow_is_refused()
    {
        var queue = Api.UniqueQueue("http-bigwf");
        var nodes = Enumerable.Range(0, 1001).Select(i => Node($"n{i}", queue)).ToArray();

        await _client.PostJsonAsync("/api/workflows", new { nodes }).ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        await _client.PostJsonAsync("/api/workflows", new { nodes = new[] { Node("big", queue, payload: new { blob = new string('x', 256 * 1024) }) } })
            .ExpectProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
        Assert.Empty(await _client.IdsInQueueAsync(queue));
    }

    [Fact]
    public async Task A_duplicate_submission_returns_the_first_workflow()
    {
        var queue = Api.UniqueQueue("http-dupwf");
        var key = Guid.NewGuid().ToString("N");
        var body = new { nodes = new[] { Node("a", queue), Node("b", queue) }, edges = new[] { new { from = "a", to = "b" } } };
        using var first = new HttpRequestMessage(HttpMethod.Post, Api.Url("/api/workflows")) { Content = JsonContent(body) };
        first.Headers.Add("Idempotency-Key", key);
        using var second = new HttpRequestMessage(HttpMethod.Post, Api.Url("/api/workflows")) { Content = JsonContent(body) };
        second.Headers.Add("Idempotency-Key", key);

        var a = await _client.SendAsync(first).ExpectAsync(HttpStatusCode.Created);
        var b = await _client.SendAsync(second).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(a.GetProperty("id").GetString(), b.GetProperty("id").GetString());
        Assert.Equal(2, (await _client.IdsInQueueAsync(queue)).Count);
    }

    [Fact]
    public async Task An_unknown_workflow_is_a_404_problem()
    {
        await _client.GetAsync("/api/workflows/w-nope").ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        await _client.PostJsonAsync("/api/workflows/w-nope/cancel", new { }).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Cancelling_a_workflow_over_http_cancels_its_unfinished_nodes()
    {
        var queue = Api.UniqueQueue("http-cancelwf");
        var created = await _client.PostJsonAsync("/api/workflows", new
        {
            nodes = new object[] { new { key = "later", task = new { action = "echo", queue, delaySeconds = 3600 } }, Node("after", queue) },
            edges = new[] { new { from = "later", to = "after" } },
        }).ExpectAsync(HttpStatusCode.Created);
        var id = created.GetProperty("id").GetString()!;

        var cancelled = await _client.PostJsonAsync($"/api/workflows/{id}/cancel", new { reason = "stop" }).ExpectAsync(HttpStatusCode.OK);

        Assert.True(cancelled.GetProperty("finished").GetBoolean());
        Assert.All(cancelled.GetProperty("nodes").EnumerateArray(), n => Assert.Equal("cancelled", n.GetProperty("status").GetString()));
        Assert.Equal("stop", cancelled.GetProperty("nodes")[0].GetProperty("task").GetProperty("cancelReason").GetString());
    }

    [Fact]
    public async Task A_dependency_on_a_missing_task_is_a_422_problem_and_stores_nothing()
    {
        var queue = Api.UniqueQueue("http-deps");

        var problem = await _client.PostJsonAsync("/api/tasks", new { action = "echo", queue, dependsOn = new[] { "no-such-task" } })
            .ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "dependency_not_found");

        Assert.Contains("no-such-task", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(await _client.IdsInQueueAsync(queue));
    }

    [Theory]
    [InlineData("""{"action":"echo","queue":"{queue}","dependsOn":["a","a"]}""", 400, "validation_failed")]
    [InlineData("""{"action":"echo","queue":"{queue}","dependsOn":[""]}""", 400, "validation_failed")]
    [InlineData("""{"action":"echo","queue":"{queue}","dependsOn":"a"}""", 400, "malformed_request")]
    [InlineData("""{"action":"echo","queue":"{queue}","dependsOn":["a"],"onDependencyFailure":"explode"}""", 400, "malformed_request")]
    public async Task A_bad_dependency_field_is_a_problem(string body, int status, string code)
    {
        var queue = Api.UniqueQueue("http-baddeps");
        await _client.PostRawAsync("/api/tasks", body.Replace("{queue}", queue, StringComparison.Ordinal)).ExpectProblemAsync((HttpStatusCode)status, code);
        Assert.Empty(await _client.IdsInQueueAsync(queue));
    }

    [Fact]
    public async Task A_dependent_task_over_http_waits_then_runs()
    {
        var queue = Api.UniqueQueue("http-dep");
        var first = await _client.EnqueueAsync(new { action = "echo", queue, payload = new { n = 1 } });
        var second = await _client.EnqueueAsync(new { action = "echo", queue, dependsOn = new[] { first.Id() }, runWhen = "all_ended", onDependencyFailure = "cancel" });

        Assert.Equal("all_ended", second.GetProperty("runWhen").GetString());
        Assert.Equal("cancel", second.GetProperty("onDependencyFailure").GetString());
        await _client.UntilStatusAsync(second.Id(), "succeeded");
    }

    private static StringContent JsonContent(object body) =>
        new(JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json");
}
