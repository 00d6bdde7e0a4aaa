using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OmniActors.Tasks;

namespace OmniActors.Stats;

/// <summary>Wires the per-minute queue statistics into a silo.</summary>
public static class StatsHosting
{
    /// <summary>
    /// Adds <see cref="StatsOptions"/>, the <see cref="StatsStore"/> (always: the API reads it) and, unless disabled, the
    /// <see cref="StatsRollup"/> sink with its flush and retention loops.
    /// </summary>
    public static ISiloBuilder AddOmniStats(this ISiloBuilder silo, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(configuration);
        var services = silo.Services;
        services.AddOptions<StatsOptions>().Bind(configuration.GetSection(StatsOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(StatsStore.Create);
        var options = configuration.GetSection(StatsOptions.Section).Get<StatsOptions>() ?? new StatsOptions();
        if (options.Enabled)
        {
            services.AddSingleton<QueueGaugeSampler>();
            services.AddSingleton<StatsRollup>();
            services.AddSingleton<ITaskEventSink>(sp => sp.GetRequiredService<StatsRollup>());
            services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<StatsRollup>());
        }
        return silo;
    }
}
