using System.ComponentModel.DataAnnotations;

namespace OmniActors.Silo.Hosting;

/// <summary>Tracing with OpenTelemetry (<c>OmniActors:Telemetry</c>); off unless <see cref="Tracing"/> is set.</summary>
public sealed class TelemetryOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "OmniActors:Telemetry";

    /// <summary>The OTLP protocol over gRPC (port 4317 by convention).</summary>
    public const string Grpc = "grpc";

    /// <summary>The OTLP protocol as protobuf over HTTP (port 4318, path <c>/v1/traces</c>).</summary>
    public const string HttpProtobuf = "http/protobuf";

    /// <summary>Record traces: every task attempt, webhook ingest and HTTP request. Off by default (no cost: nothing listens).</summary>
    public bool Tracing { get; set; }

    /// <summary>Where to export spans over OTLP; <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> when unset; no exporter when neither is set.</summary>
    public Uri? OtlpEndpoint { get; set; }

    /// <summary><c>grpc</c> or <c>http/protobuf</c>; <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>, else gRPC, when unset.</summary>
    [RegularExpression("^(grpc|http/protobuf)$", ErrorMessage = "OtlpProtocol must be 'grpc' or 'http/protobuf'.")]
    public string? OtlpProtocol { get; set; }

    /// <summary>The service name spans carry; <c>OTEL_SERVICE_NAME</c> wins when set.</summary>
    [Required] public string ServiceName { get; set; } = "omniactors";

    /// <summary>The share of new traces recorded (a trace continued from a caller follows the caller's decision).</summary>
    [Range(0.0, 1.0)] public double SamplingRatio { get; set; } = 1.0;
}
