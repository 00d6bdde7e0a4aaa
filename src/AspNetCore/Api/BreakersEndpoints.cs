using OmniActors.Actions;
using OmniActors.Breakers;
using OmniActors.Errors;

namespace OmniActors.Silo.Api;

/// <summary><c>/api/breakers</c>: the circuit breaker of each action, cluster-wide.</summary>
internal static class BreakersEndpoints
{
    public static RouteGroupBuilder MapBreakers(this RouteGroupBuilder api)
    {
        var breakers = api.MapGroup("/breakers").WithTags("Breakers");
        breakers.MapGet("/", async (ActionRegistry actions, IGrainFactory grains) =>
        {
            var all = await Task.WhenAll(actions.Names.Order(StringComparer.Ordinal).Select(a => grains.GetGrain<ICircuitBreakerGrain>(a).Get()));
            return all.Where(b => b.Settings.Enabled || b.State.Status != BreakerStatus.Closed).Select(BreakerDto.From).ToList();
        }).WithName("ListBreakers").WithSummary("Breakers of the actions that have one.");
        breakers.MapGet("/{action}", async (string action, ActionRegistry actions, IGrainFactory grains) =>
        {
            if (!actions.Contains(action))
            {
                throw new NotFoundException($"Action {action} is not registered.");
            }
            return BreakerDto.From(await grains.GetGrain<ICircuitBreakerGrain>(action).Get());
        }).WithName("GetBreaker");
        return api;
    }
}

/// <summary>A breaker as the API shows it.</summary>
public sealed record BreakerDto(string Action, BreakerStatus Status, bool Enabled, int ConsecutiveFailures, int FailureThreshold, double CoolDownSeconds,
    DateTimeOffset? OpenUntil, string? ProbeTaskId, long TimesOpened)
{
    /// <summary>Maps a breaker.</summary>
    public static BreakerDto From(BreakerInfo b)
    {
        ArgumentNullException.ThrowIfNull(b);
        return new BreakerDto(b.Action, b.State.Status, b.Settings.Enabled, b.State.ConsecutiveFailures, b.Settings.FailureThreshold,
            b.Settings.CoolDown.TotalSeconds, b.State.OpenUntil, b.State.ProbeTaskId, b.State.TimesOpened);
    }
}
