using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace OmniActors.Tests.Shared;

/// <summary>
/// The real silo app (<c>Program</c>) on Kestrel at a free 127.0.0.1 port, for clients that need real HTTP (the CLI, a
/// browser): SQLite in its own temp folder (deleted with the silo), free silo and gateway ports, short leases and retry
/// delays. Subclasses add their settings (API keys among them) and actions. Ready once <c>/health/ready</c> says so.
/// </summary>
public abstract class KestrelSilo : WebApplicationFactory<Program>, IAsyncLifetime
{
    private bool _deleted;

    protected KestrelSilo(string folderPrefix)
    {
        Folder = Path.Combine(Path.GetTempPath(), folderPrefix + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Folder);
        UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
    }

    /// <summary>The silo's temp folder (its SQLite file and whatever else a subclass keeps there).</summary>
    protected string Folder { get; }

    /// <summary>Where the silo's HTTP surface listens, e.g. <c>http://127.0.0.1:43121</c>.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>This kind of test silo's settings, on top of storage, ports, leases and retry delays.</summary>
    protected abstract IEnumerable<KeyValuePair<string, string?>> Settings { get; }

    /// <summary>This kind of test silo's services (its test actions).</summary>
    protected virtual void ConfigureTestServices(IServiceCollection services)
    {
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.UseEnvironment("Testing");
        var (silo, gateway) = LoopbackPorts.Pair();
        var settings = new Dictionary<string, string?>
        {
            ["OmniActors:Storage:Provider"] = "Sqlite",
            ["OmniActors:Storage:SqlitePath"] = Path.Combine(Folder, "omni.db"),
            ["OmniActors:Storage:SqliteSynchronousFull"] = "false",
            ["OmniActors:Cluster:SiloPort"] = silo.ToString(CultureInfo.InvariantCulture),
            ["OmniActors:Cluster:GatewayPort"] = gateway.ToString(CultureInfo.InvariantCulture),
            ["OmniActors:Runner:LeaseDuration"] = "00:00:03",
            ["OmniActors:Tasks:DefaultRetryInitialDelay"] = "00:00:00.050",
            ["OmniActors:Tasks:DefaultRetryMaxDelay"] = "00:00:00.200",
        };
        foreach (var (key, value) in Settings)
        {
            settings[key] = value;
        }
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
        builder.ConfigureServices(ConfigureTestServices);
    }

    public async Task InitializeAsync()
    {
        StartServer();
        var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        BaseAddress = new Uri(addresses.Single());
        using var client = new HttpClient { BaseAddress = BaseAddress };
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

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    protected override void Dispose(bool disposing)
    {
        // The base class re-enters Dispose(true) from DisposeAsync; delete the folder once, after the host stopped.
        base.Dispose(disposing);
        if (disposing && !_deleted)
        {
            _deleted = true;
            try
            {
                Directory.Delete(Folder, recursive: true);
            }
            catch (IOException)
            {
                // A file still held open by a late finalizer; a temp folder left behind is harmless.
            }
        }
    }
}
