using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using OmniActors.Queues;
using OmniActors.Silo.Dashboard;
using OmniActors.Storage;
using OmniActors.Tasks;
using OpenTelemetry.Metrics;
using Orleans.Runtime;

namespace OmniActors.Silo.Api;

/// <summary>The silo's HTTP surface.</summary>
public static class ApiExtensions
{
    /// <summary>The .NET runtime's built-in meter (<c>dotnet.gc.*</c>, <c>dotnet.thread_pool.*</c>, <c>dotnet.jit.*</c>, …).</summary>
    public const string RuntimeMeterName = "System.Runtime";

    /// <summary>Where Prometheus scrapes the metrics.</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>Where the OpenAPI document is served (<c>/openapi/v1.json</c>).</summary>
    public const string OpenApiPath = "/openapi";

    /// <summary>Where the Orleans cluster dashboard is mounted.</summary>
    public const string OrleansDashboardPath = "/orleans";

    /// <summary>Services for the API: JSON, problem details, OpenAPI, health, API key, metrics.</summary>
    public static IServiceCollection AddOmniActorsApi(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var api = configuration.GetSection(ApiOptions.Section).Get<ApiOptions>() ?? new ApiOptions();
        ApiKeyFilter.Validate(api, environment);
        services.AddOptions<ApiOptions>().BindConfiguration(ApiOptions.Section);
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
            o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        });
        services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(k => k.Limits.MaxRequestBodySize = api.MaxRequestBodyBytes);
        // Unreadable bodies and query values throw, so they reach the one problem mapping (with a code) in every environment.
        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        // Ours first: the problem details service takes the first writer that accepts, and ours accepts every request.
        services.AddSingleton<IProblemDetailsWriter, ProblemWriter>();
        services.AddProblemDetails();
        services.AddExceptionHandler<ProblemExceptionHandler>();
        // ProblemWriter logs every 5xx (with its trace id) and each refusal at Debug: the middleware's own log would repeat it.
        services.Configure<ExceptionHandlerOptions>(o => o.SuppressDiagnosticsCallback = _ => true);
        services.AddOpenApi();
        services.AddSingleton<ApiKeyFilter>();
        services.AddOmniActorsDashboard(configuration);
        services.AddHealthChecks()
            .AddCheck<SiloActiveCheck>("silo", tags: ["ready"])
            .AddCheck<StorageCheck>("storage", tags: ["ready"]);
        // OpenTelemetry.Exporter.Prometheus.AspNetCore exists only as a prerelease (1.20.1-beta.1); it is the
        // exporter OpenTelemetry maintains for ASP.NET Core, so we take the beta over a hand-written exposition.
        // The runtime's own meter (GC, heap, thread pool, lock contention, exceptions, the JIT) rides along: its instruments
        // are observed only when scraped, so it costs the hot path nothing.
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(TaskMetricsSink.MeterName, QueueGauges.MeterName, Webhooks.WebhookMetrics.MeterName, Storage.StorageMetrics.MeterName,
                RuntimeMeterName)
            .AddPrometheusExporter());
        return services;
    }

    /// <summary>Maps the API, OpenAPI document and health endpoints.</summary>
    public static WebApplication MapOmniActorsApi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRequestBodyLimits();
        app.UseWebSockets();
        // The document describes the API, so it is guarded as the API is unless OmniActors:Api:ProtectOpenApi says otherwise.
        if (app.Services.GetRequiredService<IOptions<ApiOptions>>().Value.ProtectOpenApi ?? app.Services.GetRequiredService<ApiKeyFilter>().Required)
        {
            ApiKeyFilter.RequireApiKeyFor(app, OpenApiPath);
        }
        app.MapOpenApi(OpenApiPath + "/{documentName}.json");
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
        // Every /api route takes a settings-sized body unless it states a larger one (a task, a batch).
        var api = app.MapGroup("/api").AddEndpointFilter<ApiKeyFilter>().CheckPathValues().WithBodyLimit(RequestBodyLimits.Settings);
        api.MapTasks().MapQueues().MapStats().MapDeadLetters().MapSchedules().MapWorkflows().MapApprovals().MapBreakers();
        api.MapEventLog().MapEventStream().MapEventSocket();
        api.MapWebhookInstances().MapEvents().MapIdentities().MapRoutes();
        app.MapWebhooks();

        // Prometheus scrapes without a key unless OmniActors:Api:ProtectMetrics asks for one (bearer or basic auth).
        if (app.Services.GetRequiredService<IOptions<ApiOptions>>().Value.ProtectMetrics)
        {
            ApiKeyFilter.RequireApiKeyFor(app, MetricsPath);
        }
        app.MapPrometheusScrapingEndpoint(MetricsPath);

        // The dashboard maps its page, assets and JSON calls itself: guard the whole path, not its endpoints.
        // It is mapped on its first request (OrleansDashboardBranch: its assets cost ~55 MB of RSS once loaded).
        ApiKeyFilter.RequireApiKeyFor(app, OrleansDashboardPath);
        app.UseOrleansDashboardOnDemand(OrleansDashboardPath);
        app.MapOmniActorsDashboard();
        return app;
    }
}

/// <summary>Ready only while this silo is active in its cluster.</summary>
internal sealed class SiloActiveCheck(IClusterMembershipService membership, ILocalSiloDetails silo) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = membership.CurrentSnapshot.GetSiloStatus(silo.SiloAddress);
        return Task.FromResult(status == SiloStatus.Active
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy($"Silo is {status}."));
    }
}

/// <summary>Ready only while the task table answers.</summary>
internal sealed class StorageCheck(ITaskStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await store.ListQueuesAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex)
        {
            return HealthCheckResult.Unhealthy("Task store unreachable.", ex);
        }
    }
}
