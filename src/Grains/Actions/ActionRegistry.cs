using Microsoft.Extensions.DependencyInjection;
using OmniActors.Tasks;

namespace OmniActors.Actions;

/// <summary>A registered action: its name, handler type and optional defaults.</summary>
public sealed record ActionRegistration(string Name, Type HandlerType, RetryPolicy? Retry, TimeSpan? Timeout,
    OmniActors.Breakers.BreakerSettings? Breaker = null);

/// <summary>The actions this silo can run, by name.</summary>
public sealed class ActionRegistry(IEnumerable<ActionRegistration> registrations)
{
    private readonly Dictionary<string, ActionRegistration> _byName =
        registrations.GroupBy(r => r.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);

    /// <summary>True when <paramref name="name"/> is registered.</summary>
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>The registration, or null.</summary>
    public ActionRegistration? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>Registered names.</summary>
    public IReadOnlyCollection<string> Names => _byName.Keys;
}

/// <summary>Registration of action handlers.</summary>
public static class ActionServiceCollectionExtensions
{
    /// <summary>Registers <typeparamref name="THandler"/> under <paramref name="name"/>, with optional per-action retry and timeout
    /// defaults and a circuit breaker (configuration under <c>OmniActors:Breakers:Actions:{name}</c> still wins).</summary>
    public static IServiceCollection AddAction<THandler>(this IServiceCollection services, string name, RetryPolicy? retry = null, TimeSpan? timeout = null,
        OmniActors.Breakers.BreakerSettings? breaker = null)
        where THandler : class, IActionHandler
    {
        if (!Domain.TaskSpecValidator.IsValidName(name))
        {
            throw new ArgumentException($"Action name '{name}' is invalid.", nameof(name));
        }
        services.AddTransient<THandler>();
        services.AddSingleton(new ActionRegistration(name, typeof(THandler), retry, timeout, breaker));
        return services;
    }
}
