using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using OmniActors.Actions;
using OmniActors.Tests.Shared;

namespace OmniActors.Cli.Tests.Support;

/// <summary>
/// The real silo app (Orleans silo and HTTP API in one host) on Kestrel at a free loopback port, so the CLI talks to it
/// over real HTTP. SQLite in a temp folder, free silo and gateway ports, the API key required, and a <c>cli-fail</c>
/// action that always throws (for dead letters).
/// </summary>
public sealed class CliSilo : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string ApiKey = "cli-test-key";

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "omni-cli-tests-" + Guid.NewGuid().ToString("N"));
    private readonly int _siloPort;
    private readonly int _gatewayPort;

    public CliSilo()
    {
        Directory.CreateDirectory(_directory);
        (_siloPort, _gatewayPort) = LoopbackPorts.Pair();
        UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
    }

    /// <summary>The API's base address (real HTTP on loopback).</summary>
    public Uri Url { get; private set; } = null!;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.UseEnvironment("Testing");
        var settings = new Dictionary<string, string>
        {
            ["OmniActors:Storage:Provider"] = "Sqlite",
            ["OmniActors:Storage:SqlitePath"] = Path.Combine(_directory, "omni.db"),
            ["OmniActors:Storage:SqliteSynchronousFull"] = "false",
            ["OmniActors:Cluster:SiloPort"] = _siloPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["OmniActors:Cluster:GatewayPort"] = _gatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["OmniActors:Api:RequireApiKey"] = "true",
            ["OmniActors:Api:ApiKeys:0"] = ApiKey,
            ["OmniActors:Runner:LeaseDuration"] = "00:00:03",
            ["OmniActors:Tasks:DefaultRetryInitialDelay"] = "00:00:00.050",
            ["OmniActors:Tasks:DefaultRetryMaxDelay"] = "00:00:00.200",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
        builder.ConfigureServices(services => services.AddAction<FailingAction>("cli-fail"));
    }

    public async Task InitializeAsync()
    {
        StartServer();
        var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Url = new Uri(address);
        using var http = new HttpClient { BaseAddress = Url };
        await Eventually.Until(async () =>
        {
            using var response = await http.GetAsync(new Uri("/health/ready", UriKind.Relative));
            return response.StatusCode;
        }, s => s == HttpStatusCode.OK, TimeSpan.FromSeconds(60), "the silo reports ready");
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by a late finalizer; the temp folder is cleaned by the OS.
        }
    }
}

/// <summary><c>cli-fail</c>: every attempt fails.</summary>
public sealed class FailingAction : IActionHandler
{
    public Task<JsonNode?> ExecuteAsync(ActionContext context) => throw new InvalidOperationException("cli-fail always fails");
}

/// <summary>One silo shared by the CLI tests; each test uses its own queue names.</summary>
[CollectionDefinition(Name)]
public sealed class CliSiloCollection : ICollectionFixture<CliSilo>
{
    public const string Name = "cli silo";
}

/// <summary>Waits on a condition with a deadline (never a fixed sleep).</summary>
public static class Eventually
{
    public static async Task<T> Until<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan? timeout = null, string? what = null)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(done);
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var value = await probe();
            if (done(value))
            {
                return value;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Condition not met in time: {what ?? "(unnamed)"}; last value: {value}");
            }
            await Task.Delay(50);
        }
    }
}
