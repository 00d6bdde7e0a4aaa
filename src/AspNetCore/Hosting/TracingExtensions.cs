using Microsoft.Extensions.Options;
using OmniActors.Tracing;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace OmniActors.Silo.Hosting;

/// <summary>Registers OmniActors' <see cref="System.Diagnostics.ActivitySource"/> and ASP.NET Core's with OpenTelemetry.</summary>
public static class TracingExtensions
{
    /// <summary>
    /// Tracing as <see cref="TelemetryOptions"/> configures it: nothing at all while it is off (no listener, so every
    /// Activity start returns null); when on, the <c>OmniActors</c> source, ASP.NET Core requests (not metric scrapes or
    /// health probes) and, when an endpoint is configured, an OTLP exporter.
    /// </summary>
    public static IServiceCollection AddOmniActorsTracing(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = StartupOptions.Read<TelemetryOptions>(configuration, TelemetryOptions.Section);
        ValidateEndpoint(options);
        if (!options.Tracing)
        {
            return services;
        }
        services.AddOpenTelemetry()
            .ConfigureResource(resource =>
            {
                if (string.IsNullOrWhiteSpace(configuration["OTEL_SERVICE_NAME"]))
                {
                    resource.AddService(options.ServiceName);
                }
            })
            .WithTracing(tracing =>
            {
                tracing.SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(options.SamplingRatio)))
                    .AddSource(OmniActivities.SourceName)
                    .AddAspNetCoreInstrumentation(o => o.Filter = context =>
                        !context.Request.Path.StartsWithSegments(Api.ApiExtensions.MetricsPath, StringComparison.OrdinalIgnoreCase)
                        && !context.Request.Path.StartsWithSegments("/health", StringComparison.OrdinalIgnoreCase));
                if (options.OtlpEndpoint is not null || !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"])
                    || !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]))
                {
                    tracing.AddOtlpExporter(otlp => ConfigureOtlp(otlp, options));
                }
            });
        return services;
    }

    private static void ConfigureOtlp(OtlpExporterOptions otlp, TelemetryOptions options)
    {
        if (options.OtlpProtocol is { } protocol)
        {
            otlp.Protocol = protocol == TelemetryOptions.HttpProtobuf ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
        }
        if (options.OtlpEndpoint is { } endpoint)
        {
            // An endpoint set in code is used as is; over HTTP the exporter appends the signal's path only to the environment
            // variable's endpoint. So a bare collector address gets /v1/traces here, as it would from OTEL_EXPORTER_OTLP_ENDPOINT.
            otlp.Endpoint = otlp.Protocol == OtlpExportProtocol.HttpProtobuf && endpoint.AbsolutePath is "/" or ""
                ? new Uri(endpoint, "v1/traces")
                : endpoint;
        }
    }

    private static void ValidateEndpoint(TelemetryOptions options)
    {
        if (options.OtlpEndpoint is { } endpoint && (!endpoint.IsAbsoluteUri || endpoint.Scheme is not ("http" or "https")))
        {
            throw new OptionsValidationException(TelemetryOptions.Section, typeof(TelemetryOptions),
                [$"OtlpEndpoint must be an absolute http or https address, not '{endpoint}'."]);
        }
    }
}
