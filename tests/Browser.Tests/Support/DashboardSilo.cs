using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OmniActors.Actions;
using OmniActors.Tests.Shared;

namespace OmniActors.Browser.Tests.Support;

/// <summary>
/// The real silo app on Kestrel at a free 127.0.0.1 port, so a real browser can reach it: the API key required (or
/// not), the dashboard's Data Protection keys in a folder of its own (or a first silo's), and the test actions.
/// </summary>
public sealed class DashboardSilo : KestrelSilo
{
    public const string ApiKey = "browser-test-key-6f1c2a";

    private readonly string _apiKey;
    private readonly bool _requireKey;

    public DashboardSilo() : this(ApiKey, null)
    {
    }

    /// <summary>Another silo, with its own API key and the Data Protection keys folder of a first one.</summary>
    public static DashboardSilo SharingKeysWith(DashboardSilo first, string apiKey) => new(apiKey, first?.KeysPath);

    /// <summary>A silo that requires no API key (as in Development).</summary>
    public static DashboardSilo Open() => new(ApiKey, null, requireKey: false);

    private DashboardSilo(string apiKey, string? keysPath, bool requireKey = true) : base("omni-browser-")
    {
        _apiKey = apiKey;
        _requireKey = requireKey;
        KeysPath = keysPath ?? Path.Combine(Folder, "keys");
    }

    /// <summary>Where this silo keeps the keys that seal its dashboard cookies.</summary>
    public string KeysPath { get; }

    /// <summary>Tasks the fail-once action has failed, by task id.</summary>
    public FailOnceBook FailOnce { get; } = new();

    protected override IEnumerable<KeyValuePair<string, string?>> Settings => new Dictionary<string, string?>
    {
        ["OmniActors:Api:RequireApiKey"] = _requireKey ? "true" : "false",
        ["OmniActors:Api:ApiKeys:0"] = _apiKey,
        ["OmniActors:Dashboard:KeysPath"] = KeysPath,
        ["OmniActors:Dashboard:LoginAttemptsPerMinute"] = "5",
        ["OmniActors:Runner:DrainTimeout"] = "00:00:01",
        ["OmniActors:Runner:CancellationGrace"] = "00:00:01",
        // Charts read the minute rollups: flush them every half second, not every ten.
        ["OmniActors:Stats:FlushInterval"] = "00:00:00.500",
        ["OmniActors:Tasks:DefaultRetryInitialDelay"] = "00:00:00.300",
        ["OmniActors:Tasks:DefaultRetryMaxDelay"] = "00:00:00.600",
    };

    protected override void ConfigureTestServices(IServiceCollection services)
    {
        services.AddSingleton(FailOnce);
        services.AddAction<FailOnceAction>("test-fail-once");
        services.AddAction<HoldAction>("test-hold");
        services.AddAction<FlakyAction>("test-flaky");
    }

    /// <summary>A plain client of the real server: no key, no cookies kept, redirects not followed.</summary>
    public HttpClient CreateHttpClient(HttpMessageHandler? handler = null) =>
        new(handler ?? new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = BaseAddress };

    /// <summary>A client of the real server that sends the API key.</summary>
    public HttpClient CreateKeyClient()
    {
        var client = CreateHttpClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", _apiKey);
        return client;
    }

    /// <summary>Enqueues a task through the API; returns its id.</summary>
    public async Task<string> EnqueueAsync(string queue, string action, object? payload = null, bool requiresApproval = false)
    {
        using var client = CreateKeyClient();
        using var response = await client.PostAsJsonAsync("/api/tasks", new { action, queue, payload, requiresApproval });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    /// <summary>A task as the API shows it.</summary>
    public async Task<JsonElement> GetTaskAsync(string id)
    {
        using var client = CreateKeyClient();
        return await client.GetFromJsonAsync<JsonElement>($"/api/tasks/{Uri.EscapeDataString(id)}");
    }

    /// <summary>Waits until the task's status satisfies the condition; returns the task.</summary>
    public async Task<JsonElement> WaitForStatusAsync(string id, Func<string, bool> done, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var task = await GetTaskAsync(id);
            var status = task.GetProperty("status").GetString()!;
            if (done(status))
            {
                return task;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Task {id} never became {what}; it is {status}.");
            }
            await Task.Delay(50);
        }
    }
}

/// <summary>The task ids <see cref="FailOnceAction"/> has already failed.</summary>
public sealed class FailOnceBook
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _runs = new();

    /// <summary>Counts a run; true for the first run of that task.</summary>
    public bool First(string taskId) => _runs.AddOrUpdate(taskId, 1, (_, n) => n + 1) == 1;

    /// <summary>How often the task ran.</summary>
    public int Runs(string taskId) => _runs.GetValueOrDefault(taskId);
}

/// <summary><c>test-fail-once</c>: its first run fails for good (straight to the dead letters); any later run succeeds.</summary>
public sealed class FailOnceAction(FailOnceBook book) : IActionHandler
{
    public Task<System.Text.Json.Nodes.JsonNode?> ExecuteAsync(ActionContext context) =>
        book.First(context.TaskId)
            ? throw new NonRetryableException("first run fails (browser test)")
            : Task.FromResult<System.Text.Json.Nodes.JsonNode?>(new System.Text.Json.Nodes.JsonObject { ["second"] = true });
}

/// <summary><c>test-hold</c>: runs for <c>{"ms": n}</c> milliseconds (or until cancelled).</summary>
public sealed class HoldAction : IActionHandler
{
    public async Task<System.Text.Json.Nodes.JsonNode?> ExecuteAsync(ActionContext context)
    {
        var ms = context.PayloadNode?["ms"]?.GetValue<int>() ?? 0;
        await Task.Delay(ms, context.CancellationToken);
        return null;
    }
}

/// <summary><c>test-flaky</c>: its first run fails with a retryable error (so it is retried after a backoff); later runs succeed.</summary>
public sealed class FlakyAction(FailOnceBook book) : IActionHandler
{
    public Task<System.Text.Json.Nodes.JsonNode?> ExecuteAsync(ActionContext context) =>
        book.First("flaky:" + context.TaskId)
            ? throw new InvalidOperationException("first run fails, a retry follows (browser test)")
            : Task.FromResult<System.Text.Json.Nodes.JsonNode?>(new System.Text.Json.Nodes.JsonObject { ["attempt"] = context.Attempt });
}
