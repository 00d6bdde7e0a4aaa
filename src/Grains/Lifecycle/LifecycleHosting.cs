using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OmniActors.Storage;
using OmniActors.Storage.Sqlite;
using OmniActors.Tasks;
using Orleans.Configuration;

namespace OmniActors.Lifecycle;

/// <summary>Wires lifecycle streams, the event log and its tail into a silo.</summary>
public static class LifecycleHosting
{
    /// <summary>The grain storage Orleans keeps stream subscriptions in (its conventional name).</summary>
    public const string PubSubStoreName = "PubSubStore";

    /// <summary>
    /// Adds memory streams (<see cref="LifecycleStreams.ProviderName"/>) with their pub-sub state in the configured
    /// ADO.NET storage, the event log, the per-silo stream buffer and log tail, and <see cref="ILifecyclePublisher"/>.
    /// </summary>
    public static ISiloBuilder AddOmniLifecycle(this ISiloBuilder silo, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(configuration);
        var services = silo.Services;
        services.AddOptions<EventLogOptions>().Bind(configuration.GetSection(EventLogOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(EventLogStore.Create);
        services.AddSingleton<EventLogTail>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<EventLogTail>());
        services.AddSingleton<StreamAudience>();
        services.AddSingleton<LifecycleFeed>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<LifecycleFeed>());
        services.AddSingleton<ILifecyclePublisher, LifecyclePublisher>();
        services.AddSingleton<TaskEventSinks>();
        services.AddSingleton<ITaskEventSink, TaskLifecycleStreamSink>();

        var storage = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        var eventLog = configuration.GetSection(EventLogOptions.Section).Get<EventLogOptions>() ?? new EventLogOptions();
        silo.AddMemoryStreams(LifecycleStreams.ProviderName, streams =>
        {
            streams.ConfigurePartitioning(eventLog.StreamQueues);
            streams.ConfigurePullingAgent(o => o.Configure(agent => agent.GetQueueMsgsTimerPeriod = eventLog.StreamPollInterval));
        });
        // By default the memory stream's cache purges an item only once it is 30 minutes older than the newest one (a rewind
        // window no subscriber of ours uses: they subscribe live, and the event log is the record), so every lifecycle
        // event of a busy half hour stayed in memory, and the cache's 1 MiB blocks stay pooled at their peak. 20,000
        // held tasks: 46 MiB more RSS with streams than without. Now an item goes once StreamCacheTime old.
        var cacheTime = eventLog.StreamCacheTime;
        services.Configure<StreamCacheEvictionOptions>(LifecycleStreams.ProviderName, o =>
        {
            o.DataMinTimeInCache = cacheTime;
            o.DataMaxAgeInCache = cacheTime;
        });
        silo.AddAdoNetGrainStorage(PubSubStoreName, o =>
        {
            o.Invariant = storage.IsPostgres ? OmniStorage.PostgresInvariant : OmniStorage.SqliteInvariant;
            o.ConnectionString = storage.IsPostgres ? storage.ConnectionString : SqliteDatabase.ConnectionString(storage);
        });
        if (storage.IsPostgres)
        {
            // Several silos: hear of the others' events through the stream. One silo (SQLite) hears its own directly.
            services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, LifecycleStreamWatcher>();
        }
        return silo;
    }
}
