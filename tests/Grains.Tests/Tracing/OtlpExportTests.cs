using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OmniActors.Silo.Hosting;
using OmniActors.Tests.Http;
using OmniActors.Tests.Storage;
using OmniActors.Tests.Support;
using OmniActors.Tracing;

namespace OmniActors.Tests.Tracing;

/// <summary>A stand-in OTLP/HTTP collector on a free loopback port: keeps the body of every POST to <c>/v1/traces</c>.</summary>
public sealed class OtlpCollector : IAsyncDisposable
{
    private readonly WebApplication _app;

    private OtlpCollector(WebApplication app) => _app = app;

    /// <summary>The bodies received, in order.</summary>
    public ConcurrentQueue<byte[]> Posts { get; } = new();

    /// <summary>Where to send, e.g. <c>http://127.0.0.1:43121/</c>.</summary>
    public Uri Address { get; private set; } = null!;

    public static async Task<OtlpCollector> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var collector = new OtlpCollector(app);
        app.MapPost("/v1/traces", async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            collector.Posts.Enqueue(body.ToArray());
            return Results.Ok();
        });
        await app.StartAsync();
        collector.Address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single() + "/");
        return collector;
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}

/// <summary>The tracing silo exporting to a stand-in collector over OTLP/HTTP, configured by settings only.</summary>
public sealed class OtlpSilo(OtlpCollector collector) : SiloAppFactory(new TempSqliteFile(), "test-key")
{
    private readonly OtlpCollector _collector = collector;

    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings => new Dictionary<string, string?>
    {
        ["OmniActors:Telemetry:Tracing"] = "true",
        ["OmniActors:Telemetry:OtlpEndpoint"] = _collector.Address.ToString(),
        ["OmniActors:Telemetry:OtlpProtocol"] = TelemetryOptions.HttpProtobuf,
        // The batch exporter's delay, read from configuration as from the environment: 200 ms instead of 5 s.
        ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
    };
}

public sealed class OtlpExportTests
{
    [Fact]
    public async Task A_configured_OTLP_endpoint_receives_the_spans_of_a_task_attempt()
    {
        await using var collector = await OtlpCollector.StartAsync();
        var silo = new OtlpSilo(collector);
        await silo.InitializeAsync();
        try
        {
            await EnqueuedTaskReachesAsync(silo, collector);
        }
        finally
        {
            await ((IAsyncLifetime)silo).DisposeAsync();
        }
    }

    private static async Task EnqueuedTaskReachesAsync(OtlpSilo silo, OtlpCollector collector)
    {
        using var client = silo.CreateApiClient();

        var task = await client.EnqueueAsync(new { action = "echo", queue = Api.UniqueQueue("otlp") });
        await client.UntilStatusAsync(task.Id(), "succeeded");

        // OTLP protobuf keeps strings as UTF-8: the attempt's name and its task id tag are readable in the body.
        var idBytes = Encoding.UTF8.GetBytes(task.Id());
        var nameBytes = Encoding.UTF8.GetBytes(OmniActivities.AttemptName);
        await Eventually.True(() => collector.Posts.Any(p => p.AsSpan().IndexOf(idBytes) >= 0 && p.AsSpan().IndexOf(nameBytes) >= 0),
            Api.Deadline, "the collector received the attempt span of the task");
    }

    [Theory]
    [InlineData("OmniActors:Telemetry:OtlpProtocol", "http/json")]
    [InlineData("OmniActors:Telemetry:OtlpEndpoint", "collector:4317")]
    [InlineData("OmniActors:Telemetry:SamplingRatio", "1.5")]
    public void Bad_telemetry_settings_stop_the_host_at_start_naming_the_setting(string key, string value)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["OmniActors:Telemetry:Tracing"] = "true",
            [key] = value,
        }).Build();

        var error = Assert.Throws<OptionsValidationException>(() => new ServiceCollection().AddOmniActorsTracing(configuration));
        Assert.Contains(key[(key.LastIndexOf(':') + 1)..], error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Tracing_is_off_by_default_and_registers_nothing()
    {
        var services = new ServiceCollection();

        services.AddOmniActorsTracing(new ConfigurationBuilder().Build());

        Assert.Empty(services);
    }
}
