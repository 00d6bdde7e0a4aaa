using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using OmniActors.Actions;
using OmniActors.Tests.Shared;

namespace OmniActors.Browser.Tests.Support;

/// <summary>
/// The real silo app (<c>Program</c>) on Kestrel at a free 127.0.0.1 port, so a real browser can reach it: SQLite in a
/// temp folder, free silo and gateway ports, the API key required, and the test actions registered.
/// </summary>
public sealed class DashboardSilo : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string ApiKey = "browser-test-key-6f1c2a";

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "omni-browser-" + Guid.NewGuid().ToString("N"));
    private readonly string _apiKey;
    private readonly string _keysPath;
    private readonly bool _requireKey = true;
    private bool _deleted;

    public DashboardSilo() : this(ApiKey, null)
    {
    }

    /// <summary>Another silo, with its own API key and the Data Protection keys folder of a first one.</summary>
    public static DashboardSilo SharingKeysWith(DashboardSilo first, string apiKey) => new(apiKey, first?.KeysPath);

    /// <summary>A silo that requires no API key (as in Development).</summary>
    public static DashboardSilo Open() => new(ApiKey, null, requireKey: false);

    private DashboardSilo(string apiKey, string? keysPath, bool requireKey = true)
    {
        Directory.CreateDirectory(_folder);
        _apiKey = apiKey;
        _requireKey = requireKey;
        _keysPath = keysPath ?? Path.Combine(_folder, "keys");
        UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
    }

    /// <summary>Where this silo keeps the keys that seal its dashboard cookies.</summary>
    public string KeysPath => _keysPath;

    /// <summary>Where the silo's HTTP surface listens, e.g. <c>http://127.0.0.1:43121</c>.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Tasks the fail-once action has failed, by task id.</summary>
    public FailOnceBook FailOnce { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.UseEnvironment("Testing");
        var (silo, gateway) = LoopbackPorts.Pair();
        var settings = new Dictionary<string, string?>
        {
            ["OmniActors:Storage:SqlitePath"] = Path.Combine(_folder, "omni.db"),
            ["OmniActors:Storage:SqliteSynchronousFull"] = "false",
            ["OmniActors:Cluster:SiloPort"] = silo.ToString(CultureInfo.InvariantCulture),
            ["OmniActors:Cluster:GatewayPort"] = gateway.ToString(CultureInfo.InvariantCulture),
            ["OmniActors:Api:RequireApiKey"] = _requireKey ? "true" : "false",
            ["OmniActors:Api:ApiKeys:0"] = _apiKey,
            ["OmniActors:Dashboard:KeysPath"] = _keysPath,
            ["OmniActors:Dashboard:LoginAttemptsPerMinute"] = "5",
            ["OmniActors:Runner:LeaseDuration"] = "00:00:03",
            ["OmniActors:Runner:DrainTimeout"] = "00:00:01",
            ["OmniActors:Runner:CancellationGrace"] = "00:00:01",
            ["OmniActors:Tasks:DefaultRetryInitialDelay"] = "00:00:00.050",
            ["OmniActors:Tasks:DefaultRetryMaxDelay"] = "00:00:00.200",
        };
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
        builder.ConfigureServices(services =>
        {
            services.AddSingleton(FailOnce);
            services.AddAction<FailOnceAction>("test-fail-once");
            services.AddAction<HoldAction>("test-hold");
        });
    }

    public async Task InitializeAsync()
    {
        StartServer();
        var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        BaseAddress = new Uri(addresses.Single());
        using var client = CreateHttpClient();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            using var response = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The silo did not report ready: {response.StatusCode}.");
            }
            await Task.Delay(100);
        }
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

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && !_deleted)
        {
            _deleted = true;
            try
            {
                Directory.Delete(_folder, recursive: true);
            }
            catch (IOException)
            {
                // A temp folder left behind is harmless.
            }
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
