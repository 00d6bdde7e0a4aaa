using System.Globalization;
using System.Net;
using OmniActors.Tests.Support;

namespace OmniActors.Tests.Http;

/// <summary>The new transitions publish lifecycle events through the task event sink, as every transition does (seen here as counters).</summary>
[Collection(SiloApiCollection.Name)]
public sealed class WorkflowEventsTests(SiloApiFactory factory) : IDisposable
{
    private readonly HttpClient _client = factory.CreateApiClient();

    public void Dispose() => _client.Dispose();

    [Fact]
    public async Task Dependency_and_approval_transitions_publish_lifecycle_events()
    {
        var queue = Api.UniqueQueue("events");
        var failing = await _client.EnqueueAsync(new { action = "test-fail", queue, payload = new { permanent = true } });
        var dependent = await _client.EnqueueAsync(new { action = "echo", queue, dependsOn = new[] { failing.Id() } });
        var accept = await _client.EnqueueAsync(new { action = "echo", queue, requiresApproval = true });
        var reject = await _client.EnqueueAsync(new { action = "echo", queue, requiresApproval = true });
        var takeover = await _client.EnqueueAsync(new { action = "echo", queue, requiresApproval = true });
        await _client.PostJsonAsync($"/api/approvals/{accept.Id()}/accept", new { by = "ada" }).ExpectAsync(HttpStatusCode.OK);
        await _client.PostJsonAsync($"/api/approvals/{reject.Id()}/reject", new { by = "ada", reason = "no" }).ExpectAsync(HttpStatusCode.OK);
        await _client.PostJsonAsync($"/api/approvals/{takeover.Id()}/takeover", new { by = "ada", result = 1 }).ExpectAsync(HttpStatusCode.OK);
        await _client.UntilStatusAsync(dependent.Id(), "dead_lettered");

        var expected = new Dictionary<string, double>
        {
            ["waitingondependencies"] = 1,
            ["dependencyfailed"] = 1,
            ["awaitingapproval"] = 3,
            ["approved"] = 1,
            ["rejected"] = 1,
            ["takenover"] = 1,
        };
        await Eventually.Until(ScrapeAsync, text => expected.All(e => Value(text, $"omniactors_tasks_{e.Key}_total", queue) == e.Value),
            Api.Deadline, "the new lifecycle events are counted for the queue");
    }

    private async Task<string> ScrapeAsync()
    {
        using var anonymous = factory.CreateClient();
        return await anonymous.GetStringAsync(Api.Url("/metrics"));
    }

    private static double Value(string text, string name, string queue) => text.Split('\n')
        .Where(l => l.StartsWith(name + "{", StringComparison.Ordinal) && l.Contains($"queue=\"{queue}\"", StringComparison.Ordinal))
        .Sum(l => double.Parse(l[(l.LastIndexOf('}') + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture));
}
