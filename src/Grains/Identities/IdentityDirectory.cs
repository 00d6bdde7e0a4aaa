using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using OmniActors.Webhooks;

namespace OmniActors.Identities;

/// <summary>
/// Resolves handles to identities, creating one on first sight, with a per-silo cache. A cached resolution can only go
/// stale through a merge, and a merged identity still resolves (it forwards, and its events count as the survivor's),
/// so the cache lives long; merges made on this silo evict it at once.
/// </summary>
public sealed class IdentityDirectory(IdentityStore store, IOptions<WebhookOptions> options, TimeProvider time)
{
    private const int MaxCached = 200_000;
    private static readonly TimeSpan CachedFor = TimeSpan.FromMinutes(10);

    private readonly ConcurrentDictionary<IdentityHandle, (string Id, DateTimeOffset Expires)> _cache = new();
    private readonly WebhookOptions _options = options.Value;

    /// <summary>Resolutions answered from the cache (for tests and benchmarks).</summary>
    public long CacheHits => Interlocked.Read(ref _hits);

    private long _hits;

    /// <summary>The identity of a handle, created on first sight.</summary>
    public Task<string> ResolveAsync(IdentityHandle handle, string? displayName = null, CancellationToken cancellationToken = default) =>
        ResolveAsync(handle, [], displayName, cancellationToken);

    /// <summary>
    /// The identity of a sender whose payload proves <paramref name="aliases"/> (same provider) are the same person: every
    /// handle ends up on one identity; identities that held some of them are merged into the oldest.
    /// </summary>
    public async Task<string> ResolveAsync(IdentityHandle handle, IReadOnlyList<string> aliases, string? displayName = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handle);
        ArgumentNullException.ThrowIfNull(aliases);
        var all = new List<IdentityHandle> { handle };
        all.AddRange(aliases.Where(a => !string.IsNullOrEmpty(a) && a != handle.Handle).Distinct(StringComparer.Ordinal).Select(a => handle with { Handle = a }));
        var now = time.GetUtcNow();
        if (CachedAll(all, now) is { } cached)
        {
            Interlocked.Increment(ref _hits);
            return cached;
        }

        var owners = new List<(IdentityHandle Handle, string Id, DateTimeOffset CreatedAt)>();
        var unowned = new List<IdentityHandle>();
        foreach (var h in all)
        {
            if (await store.FindAsync(h, cancellationToken) is { } found)
            {
                owners.Add((h, found.Id, found.CreatedAt));
            }
            else
            {
                unowned.Add(h);
            }
        }

        string target;
        if (owners.Count == 0)
        {
            target = await store.TryCreateAsync(handle, displayName, cancellationToken)
                     ?? (await store.FindAsync(handle, cancellationToken))?.Id
                     ?? throw new InvalidOperationException($"Handle {handle.Provider}/{handle.Handle} was claimed and vanished.");
            unowned.Remove(handle);
        }
        else
        {
            target = owners.OrderBy(o => o.CreatedAt).ThenBy(o => o.Id, StringComparer.Ordinal).First().Id;
        }
        foreach (var id in owners.Select(o => o.Id).Where(id => id != target).Distinct(StringComparer.Ordinal))
        {
            target = await store.MergeAsync(target, id, cancellationToken);
            Evict(id);
        }
        foreach (var h in unowned)
        {
            var owner = await store.ClaimAsync(target, h, cancellationToken);
            if (owner != target)
            {
                // Another silo gave this alias to someone else in the meantime: it is still the same person.
                target = await store.MergeAsync(target, owner, cancellationToken);
                Evict(owner);
            }
        }
        Remember(all, target, now);
        return target;
    }

    /// <summary>The identity every handle is cached to, or null when one is missing, expired or cached to another.</summary>
    private string? CachedAll(List<IdentityHandle> handles, DateTimeOffset now)
    {
        string? id = null;
        foreach (var h in handles)
        {
            if (!_cache.TryGetValue(h, out var hit) || hit.Expires <= now || (id is not null && hit.Id != id))
            {
                return null;
            }
            id = hit.Id;
        }
        return id;
    }

    /// <summary>Forgets every cached resolution to an identity (after it was merged away).</summary>
    public void Evict(string identityId)
    {
        foreach (var (key, value) in _cache)
        {
            if (value.Id == identityId)
            {
                _cache.TryRemove(key, out _);
            }
        }
    }

    /// <summary>Caches a resolution made elsewhere (a link through the API).</summary>
    public void Remember(IdentityHandle handle, string identityId) => Remember([handle], identityId, time.GetUtcNow());

    private void Remember(IEnumerable<IdentityHandle> handles, string id, DateTimeOffset now)
    {
        if (_cache.Count > MaxCached)
        {
            _cache.Clear();
        }
        var ttl = CachedFor > _options.CacheTtl ? CachedFor : _options.CacheTtl;
        foreach (var h in handles)
        {
            _cache[h] = (id, now + ttl);
        }
    }
}
