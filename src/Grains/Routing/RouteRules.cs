using System.Data.Common;
using System.Globalization;
using Microsoft.Extensions.Options;
using OmniActors.Errors;
using OmniActors.Webhooks;
using OmniActors.Storage;

namespace OmniActors.Routing;

/// <summary>
/// The routing rules (<c>omni_routes</c>) and a per-silo snapshot of them, compiled, refreshed after
/// <see cref="WebhookOptions.CacheTtl"/>; changes made on this silo apply at once.
/// </summary>
public sealed class RouteRules(EventDatabase db, IOptions<WebhookOptions> options, TimeProvider time) : IDisposable
{
    private const string Columns =
        "id, name, provider, instance, event_type, content_type, text_prefix, text_regex, action, queue, payload_template, enabled, created_at, updated_at, " +
        "delivery_status";

    private readonly WebhookOptions _options = options.Value;
    private readonly SemaphoreSlim _reload = new(1, 1);
    private volatile Snapshot? _snapshot;

    private sealed record Snapshot(IReadOnlyList<RouteMatcher> Matchers, DateTimeOffset LoadedAt);

    /// <summary>Checks a rule; throws <see cref="TaskValidationException"/> naming what is wrong.</summary>
    public RouteMatcher Validate(RouteRule rule) => RouteMatcher.Create(rule, _options.RegexTimeout);

    /// <summary>The enabled rules, compiled.</summary>
    public async ValueTask<IReadOnlyList<RouteMatcher>> MatchersAsync(CancellationToken cancellationToken = default)
    {
        var snapshot = _snapshot;
        if (snapshot is not null && time.GetUtcNow() - snapshot.LoadedAt < _options.CacheTtl)
        {
            return snapshot.Matchers;
        }
        return (await LoadAsync(cancellationToken)).Matchers;
    }

    /// <summary>Every rule, oldest first.</summary>
    public async Task<IReadOnlyList<RouteRule>> ListAsync(CancellationToken cancellationToken = default) =>
        await db.QueryAsync(SqlStatement.Of($"SELECT {Columns} FROM omni_routes ORDER BY created_at, id"), Read, cancellationToken);

    /// <summary>One rule, or null.</summary>
    public async Task<RouteRule?> GetAsync(string id, CancellationToken cancellationToken = default) =>
        (await db.QueryAsync(SqlStatement.Of($"SELECT {Columns} FROM omni_routes WHERE id = @id", ("@id", id)), Read, cancellationToken)).FirstOrDefault();

    /// <summary>Stores a new rule (validated); returns it as stored.</summary>
    public async Task<RouteRule> CreateAsync(RouteRule rule, CancellationToken cancellationToken = default)
    {
        Validate(rule);
        var now = time.GetUtcNow();
        var stored = rule with { CreatedAt = now, UpdatedAt = now };
        var inserted = await db.WriteAsync(SqlStatement.Of(
            $"INSERT INTO omni_routes ({Columns}) VALUES (@id, @name, @provider, @instance, @event_type, @content_type, @text_prefix, @text_regex, " +
            "@action, @queue, @template, @enabled, @now, @now, @delivery_status) ON CONFLICT (id) DO NOTHING",
            [.. Bind(stored), ("@now", now.ToUnixTimeMilliseconds())]));
        if (inserted == 0)
        {
            throw new ConflictException($"Route {rule.Id} already exists.");
        }
        await LoadAsync(cancellationToken);
        return stored;
    }

    /// <summary>Replaces a rule (validated); returns it as stored.</summary>
    public async Task<RouteRule> UpdateAsync(RouteRule rule, CancellationToken cancellationToken = default)
    {
        Validate(rule);
        var existing = await GetAsync(rule.Id, cancellationToken) ?? throw new NotFoundException($"Route {rule.Id} does not exist.");
        var now = time.GetUtcNow();
        var stored = rule with { CreatedAt = existing.CreatedAt, UpdatedAt = now };
        var updated = await db.WriteAsync(SqlStatement.Of(
            "UPDATE omni_routes SET name = @name, provider = @provider, instance = @instance, event_type = @event_type, content_type = @content_type, " +
            "text_prefix = @text_prefix, text_regex = @text_regex, action = @action, queue = @queue, payload_template = @template, enabled = @enabled, " +
            "delivery_status = @delivery_status, updated_at = @now WHERE id = @id",
            [.. Bind(stored), ("@now", now.ToUnixTimeMilliseconds())]));
        if (updated == 0)
        {
            throw new NotFoundException($"Route {rule.Id} does not exist.");
        }
        await LoadAsync(cancellationToken);
        return stored;
    }

    /// <summary>Deletes a rule; false when there was none.</summary>
    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        var deleted = await db.WriteAsync(SqlStatement.Of("DELETE FROM omni_routes WHERE id = @id", ("@id", id)));
        await LoadAsync(cancellationToken);
        return deleted > 0;
    }

    private static (string, object?)[] Bind(RouteRule r) =>
    [
        ("@id", r.Id), ("@name", r.Name), ("@provider", r.Provider), ("@instance", r.Instance), ("@event_type", r.EventType),
        ("@content_type", r.ContentType), ("@text_prefix", r.TextPrefix), ("@text_regex", r.TextRegex), ("@action", r.Action),
        ("@queue", r.Queue), ("@template", r.PayloadTemplate), ("@enabled", r.Enabled ? 1L : 0L), ("@delivery_status", r.DeliveryStatus),
    ];

    private async Task<Snapshot> LoadAsync(CancellationToken cancellationToken)
    {
        await _reload.WaitAsync(cancellationToken);
        try
        {
            var rules = await db.QueryAsync(SqlStatement.Of($"SELECT {Columns} FROM omni_routes WHERE enabled = 1 ORDER BY created_at, id"), Read, cancellationToken);
            var matchers = new List<RouteMatcher>(rules.Count);
            foreach (var rule in rules)
            {
                try
                {
                    matchers.Add(Validate(rule));
                }
                catch (TaskValidationException)
                {
                    // Validated when stored; a rule another version wrote that this one cannot compile matches nothing.
                }
            }
            var snapshot = new Snapshot(matchers, time.GetUtcNow());
            _snapshot = snapshot;
            return snapshot;
        }
        finally
        {
            _reload.Release();
        }
    }

    private static RouteRule Read(DbDataReader r)
    {
        return new RouteRule
        {
            Id = r.GetString(0),
            Name = r.GetString(1),
            Provider = r.NullableString(2),
            Instance = r.NullableString(3),
            EventType = r.NullableString(4),
            ContentType = r.NullableString(5),
            TextPrefix = r.NullableString(6),
            TextRegex = r.NullableString(7),
            Action = r.GetString(8),
            Queue = r.NullableString(9),
            PayloadTemplate = r.NullableString(10),
            Enabled = r.WholeNumber(11) != 0,
            CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(r.WholeNumber(12)),
            UpdatedAt = DateTimeOffset.FromUnixTimeMilliseconds(r.WholeNumber(13)),
            DeliveryStatus = r.NullableString(14),
        };
    }

    /// <summary>Releases the reload lock.</summary>
    public void Dispose() => _reload.Dispose();
}
