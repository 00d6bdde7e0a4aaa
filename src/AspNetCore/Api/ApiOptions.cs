namespace OmniActors.Silo.Api;

/// <summary>HTTP API settings (<c>OmniActors:Api</c>).</summary>
public sealed class ApiOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "OmniActors:Api";

    /// <summary>Require an API key on management routes; unset means on everywhere but Development.</summary>
    public bool? RequireApiKey { get; set; }

    /// <summary>Accepted keys, sent as <c>X-Api-Key</c> (or <c>Authorization: Bearer</c>).</summary>
    public string[] ApiKeys { get; set; } = [];

    /// <summary>Require the API key on the OpenAPI document (<c>/openapi/v1.json</c>); unset means as the API itself (<see cref="RequireApiKey"/>).</summary>
    public bool? ProtectOpenApi { get; set; }

    /// <summary>Require the API key on <c>/metrics</c> too (off: Prometheus scrapes it without one).</summary>
    public bool ProtectMetrics { get; set; }

    /// <summary>Largest request body in bytes of a route that states no limit of its own (the dashboard's, the metrics').</summary>
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Largest body in bytes of a batch of tasks (<c>POST /api/tasks/batch</c>) or a workflow (<c>POST /api/workflows</c>).</summary>
    public long MaxBatchBodyBytes { get; set; } = 16L * 1024 * 1024;
}
