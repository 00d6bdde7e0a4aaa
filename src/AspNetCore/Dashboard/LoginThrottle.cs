using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace OmniActors.Silo.Dashboard;

/// <summary>
/// Slows key guessing on the login form: a client address that failed too often in the current minute is refused
/// (429) until the minute ends, right key or not. Only failures count, so operators who log in are never throttled.
/// </summary>
public sealed class LoginThrottle(IOptions<DashboardOptions> options, TimeProvider time)
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private const int MaxTrackedClients = 10_000;

    private readonly ConcurrentDictionary<string, Counter> _failures = new(StringComparer.Ordinal);
    private readonly int _limit = Math.Max(1, options.Value.LoginAttemptsPerMinute);

    /// <summary>When the client may try again, or null when it may try now.</summary>
    public DateTimeOffset? BlockedUntil(string client)
    {
        var now = time.GetUtcNow();
        return _failures.TryGetValue(client, out var c) && c.Start + Window > now && c.Count >= _limit ? c.Start + Window : null;
    }

    /// <summary>Counts one failed login of the client.</summary>
    public void Failed(string client)
    {
        var now = time.GetUtcNow();
        if (_failures.Count > MaxTrackedClients)
        {
            foreach (var (key, counter) in _failures)
            {
                if (counter.Start + Window <= now)
                {
                    _failures.TryRemove(key, out _);
                }
            }
        }
        _failures.AddOrUpdate(client, _ => new Counter(now, 1),
            (_, c) => c.Start + Window <= now ? new Counter(now, 1) : c with { Count = c.Count + 1 });
    }

    private sealed record Counter(DateTimeOffset Start, int Count);
}
