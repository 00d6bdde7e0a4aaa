using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using OmniActors.Actions;

namespace OmniActors.Breakers;

/// <summary>Circuit breakers per action (<c>OmniActors:Breakers</c>); off unless a threshold is set.</summary>
public sealed class BreakerOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "OmniActors:Breakers";

    /// <summary>Consecutive failures that open an action's breaker; 0 (the default) means no breaker.</summary>
    [Range(0, 1_000_000)] public int FailureThreshold { get; set; }
    /// <summary>How long an open breaker holds tasks before a probe.</summary>
    public TimeSpan CoolDown { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>How long a task held during a probe waits before asking again.</summary>
    public TimeSpan HalfOpenRetry { get; set; } = TimeSpan.FromSeconds(1);
    /// <summary>A probe silent this long is presumed lost.</summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromMinutes(10);
    /// <summary>Per-action overrides (by action name); they win over <c>AddAction</c>'s settings.</summary>
    public Dictionary<string, BreakerActionOptions> Actions { get; } = new(StringComparer.Ordinal);
}

/// <summary>One action's breaker overrides; unset values fall back.</summary>
public sealed class BreakerActionOptions
{
    /// <summary>Consecutive failures that open it; 0 turns it off.</summary>
    [Range(0, 1_000_000)] public int? FailureThreshold { get; set; }
    /// <summary>Cool-down.</summary>
    public TimeSpan? CoolDown { get; set; }
    /// <summary>Wait of a task held during a probe.</summary>
    public TimeSpan? HalfOpenRetry { get; set; }
}

/// <summary>Resolves an action's breaker settings: configuration per action, else <c>AddAction</c>'s, else the defaults.</summary>
internal sealed class BreakerSettingsProvider(IOptions<BreakerOptions> options, ActionRegistry actions)
{
    public BreakerSettings For(string action)
    {
        var o = options.Value;
        var settings = actions.Find(action)?.Breaker ?? new BreakerSettings
        {
            FailureThreshold = o.FailureThreshold,
            CoolDown = o.CoolDown,
            HalfOpenRetry = o.HalfOpenRetry,
        };
        settings = settings with { ProbeTimeout = o.ProbeTimeout };
        if (o.Actions.TryGetValue(action, out var own))
        {
            settings = settings with
            {
                FailureThreshold = own.FailureThreshold ?? settings.FailureThreshold,
                CoolDown = own.CoolDown ?? settings.CoolDown,
                HalfOpenRetry = own.HalfOpenRetry ?? settings.HalfOpenRetry,
            };
        }
        return settings;
    }
}
