using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using OmniActors.Tests.Support;

namespace OmniActors.Tests.Http;

/// <summary>Calls and checks shared by the HTTP tests.</summary>
internal static class Api
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    /// <summary>A queue name no other test uses.</summary>
    public static string UniqueQueue(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    public static Uri Url(string relative) => new(relative, UriKind.Relative);

    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.Clone();
    }

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string url, object body) =>
        client.PostAsJsonAsync(Url(url), body);

    public static Task<HttpResponseMessage> PostRawAsync(this HttpClient client, string url, string json) =>
        client.PostAsync(Url(url), new StringContent(json, Encoding.UTF8, "application/json"));

    public static Task<HttpResponseMessage> GetAsync(this HttpClient client, string url) => client.GetAsync(Url(url));

    /// <summary>Asserts the status and returns the body.</summary>
    public static async Task<JsonElement> ExpectAsync(this Task<HttpResponseMessage> call, HttpStatusCode status)
    {
        using var response = await call;
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {body}");
        if (body.Length == 0)
        {
            return default;
        }
        using var doc = JsonDocument.Parse(body);
        return doc.RootElement.Clone();
    }

    /// <summary>Asserts an RFC 9457 problem with the status and <c>code</c> extension, and returns it.</summary>
    public static async Task<JsonElement> ExpectProblemAsync(this Task<HttpResponseMessage> call, HttpStatusCode status, string code)
    {
        using var response = await call;
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var doc = JsonDocument.Parse(body);
        var problem = doc.RootElement.Clone();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.True(problem.TryGetProperty("code", out var actual), $"The problem has no \"code\": {body}");
        Assert.Equal(code, actual.GetString());
        return problem;
    }

    /// <summary>Enqueues and expects 201; returns the task.</summary>
    public static Task<JsonElement> EnqueueAsync(this HttpClient client, object body) =>
        client.PostJsonAsync("/api/tasks", body).ExpectAsync(HttpStatusCode.Created);

    public static string Id(this JsonElement task) => task.GetProperty("id").GetString()!;

    public static string Status(this JsonElement task) => task.GetProperty("status").GetString()!;

    public static Task<JsonElement> TaskAsync(this HttpClient client, string id) =>
        client.GetAsync($"/api/tasks/{id}").ExpectAsync(HttpStatusCode.OK);

    /// <summary>Polls the task until it has the status, within the deadline.</summary>
    public static Task<JsonElement> UntilStatusAsync(this HttpClient client, string id, string status) =>
        Eventually.Until(() => client.TaskAsync(id), t => t.Status() == status, Deadline, $"task {id} is {status}");

    /// <summary>The ids of all tasks in a queue (first page of up to 500).</summary>
    public static async Task<IReadOnlyList<string>> IdsInQueueAsync(this HttpClient client, string queue)
    {
        var page = await client.GetAsync($"/api/tasks?queue={Uri.EscapeDataString(queue)}&limit=500").ExpectAsync(HttpStatusCode.OK);
        return page.GetProperty("items").EnumerateArray().Select(Id).ToList();
    }
}
