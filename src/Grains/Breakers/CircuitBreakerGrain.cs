using OmniActors.Domain.Breakers;
using OmniActors.Storage;

namespace OmniActors.Breakers;

/// <summary>The persisted state of a breaker.</summary>
[GenerateSerializer, Alias("omni.CircuitBreakerGrainState")]
public sealed class CircuitBreakerGrainState
{
    /// <summary>The breaker.</summary>
    [Id(0)] public BreakerState Breaker { get; set; } = new();
}

/// <summary>
/// One action's breaker, cluster-wide. Thin: <see cref="CircuitBreaker"/> decides; this grain keeps the state
/// (ADO.NET grain state, written when it changes) so an open breaker stays open across restarts.
/// </summary>
internal sealed class CircuitBreakerGrain(
    [PersistentState("breaker", OmniStorage.GrainStorageName)] IPersistentState<CircuitBreakerGrainState> state,
    BreakerSettingsProvider settings,
    TimeProvider time) : Grain, ICircuitBreakerGrain
{
    private string Action => this.GetPrimaryKeyString();

    public async Task<BreakerPermit> Acquire(string taskId)
    {
        var (next, permit) = CircuitBreaker.Acquire(state.State.Breaker, settings.For(Action), taskId, time.GetUtcNow());
        await SaveAsync(next);
        return permit;
    }

    public Task Report(string taskId, BreakerOutcome outcome) =>
        SaveAsync(CircuitBreaker.Report(state.State.Breaker, settings.For(Action), taskId, outcome, time.GetUtcNow()));

    public Task<BreakerInfo> Get() => Task.FromResult(new BreakerInfo { Action = Action, State = state.State.Breaker, Settings = settings.For(Action) });

    private async Task SaveAsync(BreakerState next)
    {
        if (next == state.State.Breaker)
        {
            return;
        }
        state.State.Breaker = next;
        await state.WriteStateAsync();
    }
}
