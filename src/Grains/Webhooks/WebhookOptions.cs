using System.ComponentModel.DataAnnotations;

namespace OmniActors.Webhooks;

/// <summary>The event fabric's settings (<c>OmniActors:Webhooks</c>).</summary>
public sealed class WebhookOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "OmniActors:Webhooks";

    /// <summary>Largest webhook body accepted, in bytes; larger gets 413.</summary>
    [Range(1024, 64L * 1024 * 1024)] public long MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Furthest a signed timestamp (Discord's <c>X-Signature-Timestamp</c>) may lie from now, either way; older is a replay.</summary>
    public TimeSpan SignatureMaxAge { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long verified raw bodies are kept.</summary>
    public TimeSpan RawRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How often the retention cleanup runs.</summary>
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Raw rows deleted per cleanup statement (batches keep each transaction short).</summary>
    [Range(1, 100_000)] public int CleanupBatchSize { get; set; } = 1000;

    /// <summary>How often raw captures left unprocessed (a crash between acknowledgement and ingest) are picked up again.</summary>
    public TimeSpan RecoveryInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A raw capture older than this and still unprocessed is considered abandoned by its ingest worker.</summary>
    public TimeSpan RecoveryAge { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Attempts at ingesting one raw capture before it is left for an operator (its last error kept).</summary>
    [Range(1, 1000)] public int MaxIngestAttempts { get; set; } = 10;

    /// <summary>Concurrent background ingest workers per silo.</summary>
    [Range(1, 256)] public int IngestWorkers { get; set; } = 32;

    /// <summary>How long a silo trusts its cached instances, routes and identity resolutions made on another silo.</summary>
    public TimeSpan CacheTtl { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Time limit of one routing-rule regex match.</summary>
    public TimeSpan RegexTimeout { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Instances declared in configuration (read-only through the API).</summary>
    public List<ConfiguredWebhookInstance> Instances { get; set; } = [];
}

/// <summary>A webhook instance declared in configuration.</summary>
public sealed class ConfiguredWebhookInstance
{
    /// <summary>Provider name (<c>whatsapp</c>, <c>evolution</c>, <c>discord</c>, <c>telegram</c>).</summary>
    [Required] public string Provider { get; set; } = "";

    /// <summary>Instance name (the last segment of the webhook URL).</summary>
    [Required] public string Instance { get; set; } = "";

    /// <summary>The instance's secret (see <see cref="WebhookInstanceSecrets.Secret"/>).</summary>
    [Required] public string Secret { get; set; } = "";

    /// <summary>WhatsApp Cloud handshake token.</summary>
    public string? VerifyToken { get; set; }
}
