using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OmniActors.Actions;
using OmniActors.Lifecycle;
using OmniActors.Queues;
using OmniActors.Running;
using OmniActors.Stats;
using OmniActors.Storage;
using OmniActors.Storage.Postgres;
using OmniActors.Storage.Sqlite;
using OmniActors.Tasks;
using OmniActors.Webhooks;

namespace OmniActors.Hosting;

/// <summary>The one composition of OmniActors' grains and services, shared by the silo and the tests.</summary>
public static class OmniActorsSiloExtensions
{
    /// <summary>
    /// Adds the task queue to a silo: storage (task table, grain state, reminders) per
    /// <c>OmniActors:Storage</c>, the runner, the built-in actions and recovery at start.
    /// </summary>
    public static ISiloBuilder AddOmniActors(this ISiloBuilder silo, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(configuration);
        var services = silo.Services;
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<TaskOptions>().Bind(configuration.GetSection(TaskOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<QueueOptions>().Bind(configuration.GetSection(QueueOptions.Section))
            .PostConfigure<IOptions<StorageOptions>>((queues, storage) =>
            {
                queues.DefaultPartitions ??= storage.Value.IsPostgres ? QueueOptions.ServerDefaultPartitions : QueueOptions.SqliteDefaultPartitions;
                queues.ClaimAheadShares ??= storage.Value.IsPostgres ? QueueOptions.ServerClaimAheadShares : QueueOptions.SqliteClaimAheadShares;
            })
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<QueueStatusOptions>().Bind(configuration.GetSection(QueueStatusOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RunnerOptions>().Bind(configuration.GetSection(RunnerOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<Breakers.BreakerOptions>().Bind(configuration.GetSection(Breakers.BreakerOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<Breakers.BreakerSettingsProvider>();
        services.AddSingleton<RetentionSweeper>();

        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.AddSingleton<QueueTopology>();
        services.AddSingleton<TaskGrainReferences>();
        services.AddSingleton<ActionRegistry>();
        services.AddSingleton<ITaskEventSink, TaskMetricsSink>();
        services.AddSingleton<QueueGauges>();
        services.AddSingleton<WarmRows>();
        services.AddSingleton<PartitionSubmitLanes>();
        services.AddSingleton<StorageMetrics>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<StorageMetrics>());
        services.AddSingleton<QueueStatusBoard>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<QueueStatusBoard>());
        services.AddSingleton<PartitionReports>();
        services.AddPlacementDirector<PartitionPlacement, PartitionPlacementDirector>();
        services.AddSingleton<TaskRunner>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<TaskRunner>());
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, TaskRecovery>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, SchemaBootstrap>();
        silo.AddOmniLifecycle(configuration);
        silo.AddOmniStats(configuration);

        services.AddHttpClient(HttpAction.ClientName);
        services.AddAction<NoopAction>("noop");
        services.AddAction<EchoAction>("echo");
        services.AddAction<HttpAction>("http");
        services.AddEventFabric(configuration);

        var storage = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        switch (storage.Provider)
        {
            case var p when string.Equals(p, StorageOptions.PostgreSql, StringComparison.OrdinalIgnoreCase):
                var pg = storage.ConnectionString ?? throw new OptionsValidationException(StorageOptions.Section, typeof(StorageOptions),
                    [$"{StorageOptions.Section}:ConnectionString is required when Provider is PostgreSql."]);
                services.AddSingleton<PostgresDataSource>();
                services.AddSingleton<PostgresTaskStore>();
                services.AddSingleton<ITaskStore>(sp => sp.GetRequiredService<PostgresTaskStore>());
                silo.AddAdoNetGrainStorage(OmniStorage.GrainStorageName, o =>
                {
                    o.Invariant = OmniStorage.PostgresInvariant;
                    o.ConnectionString = pg;
                });
                silo.UseAdoNetReminderService(o =>
                {
                    o.Invariant = OmniStorage.PostgresInvariant;
                    o.ConnectionString = pg;
                });
                break;
            case var p when string.Equals(p, StorageOptions.Sqlite, StringComparison.OrdinalIgnoreCase):
                var connectionString = SqliteDatabase.ConnectionString(storage);
                services.AddSingleton<SqliteTaskStore>();
                services.AddSingleton<ITaskStore>(sp => sp.GetRequiredService<SqliteTaskStore>());
                silo.AddAdoNetGrainStorage(OmniStorage.GrainStorageName, o =>
                {
                    o.Invariant = OmniStorage.SqliteInvariant;
                    o.ConnectionString = connectionString;
                });
                silo.UseAdoNetReminderService(o =>
                {
                    o.Invariant = OmniStorage.SqliteInvariant;
                    o.ConnectionString = connectionString;
                });
                break;
            default:
                throw new OptionsValidationException(StorageOptions.Section, typeof(StorageOptions),
                    [$"{StorageOptions.Section}:Provider '{storage.Provider}' is not supported; use Sqlite or PostgreSql."]);
        }
        return silo;
    }
}
