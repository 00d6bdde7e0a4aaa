using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.Extensions.Options;
using OmniActors.Errors;
using OmniActors.Storage;

namespace OmniActors.Webhooks;

/// <summary>A webhook instance as the API shows it (never with its secret).</summary>
public sealed record WebhookInstanceInfo(string Provider, string Instance, bool HasVerifyToken, bool Enabled, string Source,
    DateTimeOffset? CreatedAt, DateTimeOffset? UpdatedAt);

/// <summary>
/// The configured webhook instances: those in configuration plus those stored through the API. The hot path reads a
/// per-silo cache refreshed after <see cref="WebhookOptions.CacheTtl"/> (changes made on this silo apply at once).
/// </summary>
public sealed class WebhookInstances : IDisposable
{
    /// <summary>Instances from configuration.</summary>
    public const string FromConfiguration = "configuration";

    /// <summary>Instances stored through the API.</summary>
    public const string FromApi = "api";

    private const string Columns = "provider, instance, secret, verify_token, enabled, created_at, updated_at";

    private readonly EventDatabase _db;
    private readonly TimeProvider _time;
    private readonly WebhookOptions _options;
    private readonly Dictionary<(string, string), WebhookInstanceSecrets> _configured;
    private volatile Snapshot? _snapshot;
    private readonly SemaphoreSlim _reload = new(1, 1);

    private sealed record Row(WebhookInstanceSecrets Secrets, bool Enabled, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

    private sealed record Snapshot(IReadOnlyDictionary<(string, string), Row> Rows, DateTimeOffset LoadedAt);

    public WebhookInstances(EventDatabase db, IOptions<WebhookOptions> options, TimeProvider time)
    {
        _db = db;
        _time = time;
        _options = options.Value;
        _configured = _options.Instances.ToDictionary(
            i => (i.Provider, i.Instance),
            i => new WebhookInstanceSecrets(i.Provider, i.Instance, i.Secret, i.VerifyToken));
    }

    /// <summary>The enabled instance's secrets, or null (unknown or disabled).</summary>
    public async ValueTask<WebhookInstanceSecrets?> FindAsync(string provider, string instance, CancellationToken cancellationToken = default)
    {
        if (_configured.TryGetValue((provider, instance), out var configured))
        {
            return configured;
        }
        var snapshot = await CurrentAsync(cancellationToken);
        return snapshot.Rows.TryGetValue((provider, instance), out var row) && row.Enabled ? row.Secrets : null;
    }

    /// <summary>All instances, configuration first.</summary>
    public async Task<IReadOnlyList<WebhookInstanceInfo>> ListAsync(CancellationToken cancellationToken = default)
    {
        var snapshot = await LoadAsync(cancellationToken);
        return _configured.Values.OrderBy(s => s.Provider, StringComparer.Ordinal).ThenBy(s => s.Instance, StringComparer.Ordinal)
            .Select(s => new WebhookInstanceInfo(s.Provider, s.Instance, s.VerifyToken is not null, true, FromConfiguration, null, null))
            .Concat(snapshot.Rows.Values.OrderBy(r => r.Secrets.Provider, StringComparer.Ordinal).ThenBy(r => r.Secrets.Instance, StringComparer.Ordinal)
                .Where(r => !_configured.ContainsKey((r.Secrets.Provider, r.Secrets.Instance)))
                .Select(Info))
            .ToList();
    }

    /// <summary>One instance, or null.</summary>
    public async Task<WebhookInstanceInfo?> GetAsync(string provider, string instance, CancellationToken cancellationToken = default)
    {
        if (_configured.TryGetValue((provider, instance), out var s))
        {
            return new WebhookInstanceInfo(s.Provider, s.Instance, s.VerifyToken is not null, true, FromConfiguration, null, null);
        }
        var snapshot = await LoadAsync(cancellationToken);
        return snapshot.Rows.TryGetValue((provider, instance), out var row) ? Info(row) : null;
    }

    /// <summary>Creates or replaces an instance stored through the API; returns it and whether it was created.</summary>
    public async Task<(WebhookInstanceInfo Instance, bool Created)> UpsertAsync(WebhookInstanceSecrets secrets, bool enabled, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        if (_configured.ContainsKey((secrets.Provider, secrets.Instance)))
        {
            throw new ConflictException($"Instance {secrets.Provider}/{secrets.Instance} is declared in configuration and cannot be changed through the API.");
        }
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var updated = await _db.WriteAsync(SqlStatement.Of(
            "UPDATE omni_webhook_instances SET secret = @secret, verify_token = @verify, enabled = @enabled, updated_at = @now WHERE provider = @provider AND instance = @instance",
            ("@secret", secrets.Secret), ("@verify", secrets.VerifyToken), ("@enabled", enabled ? 1L : 0L), ("@now", now),
            ("@provider", secrets.Provider), ("@instance", secrets.Instance)));
        var created = false;
        if (updated == 0)
        {
            created = await _db.WriteAsync(SqlStatement.Of(
                $"INSERT INTO omni_webhook_instances ({Columns}) VALUES (@provider, @instance, @secret, @verify, @enabled, @now, @now) ON CONFLICT (provider, instance) DO NOTHING",
                ("@provider", secrets.Provider), ("@instance", secrets.Instance), ("@secret", secrets.Secret), ("@verify", secrets.VerifyToken),
                ("@enabled", enabled ? 1L : 0L), ("@now", now))) == 1;
        }
        var snapshot = await LoadAsync(cancellationToken);
        return (Info(snapshot.Rows[(secrets.Provider, secrets.Instance)]), created);
    }

    /// <summary>Deletes an instance stored through the API; false when there was none.</summary>
    public async Task<bool> DeleteAsync(string provider, string instance, CancellationToken cancellationToken = default)
    {
        if (_configured.ContainsKey((provider, instance)))
        {
            throw new ConflictException($"Instance {provider}/{instance} is declared in configuration and cannot be deleted through the API.");
        }
        var deleted = await _db.WriteAsync(SqlStatement.Of("DELETE FROM omni_webhook_instances WHERE provider = @provider AND instance = @instance",
            ("@provider", provider), ("@instance", instance)));
        await LoadAsync(cancellationToken);
        return deleted > 0;
    }

    private static WebhookInstanceInfo Info(Row r) =>
        new(r.Secrets.Provider, r.Secrets.Instance, r.Secrets.VerifyToken is not null, r.Enabled, FromApi, r.CreatedAt, r.UpdatedAt);

    private async ValueTask<Snapshot> CurrentAsync(CancellationToken cancellationToken)
    {
        var snapshot = _snapshot;
        if (snapshot is not null && _time.GetUtcNow() - snapshot.LoadedAt < _options.CacheTtl)
        {
            return snapshot;
        }
        await _reload.WaitAsync(cancellationToken);
        try
        {
            snapshot = _snapshot;
            return snapshot is not null && _time.GetUtcNow() - snapshot.LoadedAt < _options.CacheTtl ? snapshot : await LoadCoreAsync(cancellationToken);
        }
        finally
        {
            _reload.Release();
        }
    }

    private async Task<Snapshot> LoadAsync(CancellationToken cancellationToken)
    {
        await _reload.WaitAsync(cancellationToken);
        try
        {
            return await LoadCoreAsync(cancellationToken);
        }
        finally
        {
            _reload.Release();
        }
    }

    private async Task<Snapshot> LoadCoreAsync(CancellationToken cancellationToken)
    {
        var rows = await _db.QueryAsync(SqlStatement.Of($"SELECT {Columns} FROM omni_webhook_instances"), Read, cancellationToken);
        var snapshot = new Snapshot(rows.ToDictionary(r => (r.Secrets.Provider, r.Secrets.Instance)), _time.GetUtcNow());
        _snapshot = snapshot;
        return snapshot;
    }

    private static Row Read(DbDataReader r) => new(
        new WebhookInstanceSecrets(r.GetString(0), r.GetString(1), r.GetString(2), r.NullableString(3)),
        Convert.ToInt64(r.GetValue(4), System.Globalization.CultureInfo.InvariantCulture) != 0,
        DateTimeOffset.FromUnixTimeMilliseconds(Convert.ToInt64(r.GetValue(5), System.Globalization.CultureInfo.InvariantCulture)),
        DateTimeOffset.FromUnixTimeMilliseconds(Convert.ToInt64(r.GetValue(6), System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>Releases the reload lock.</summary>
    public void Dispose() => _reload.Dispose();
}
