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

    /// <summary>Require the API key on <c>/metrics</c> too (off: Prometheus scrapes it without one).</summary>
    public bool ProtectMetrics { get; set; }

    /// <summary>Largest request body in bytes (a batch of tasks included).</summary>
    public long MaxRequestBodyBytes { get; set; } = 64L * 1024 * 1024;
}
