using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OmniActors.Storage;
using OmniActors.Storage.Sqlite;

namespace OmniActors.Hosting;

/// <summary>Applies the schema scripts before any storage provider reads its queries (when <c>CreateSchema</c> is on).</summary>
internal sealed partial class SchemaBootstrap(IOptions<StorageOptions> options, ILogger<SchemaBootstrap> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(SchemaBootstrap), ServiceLifecycleStage.RuntimeInitialize - 1, InstallAsync);

    private async Task InstallAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.CreateSchema)
        {
            return;
        }
        var o = options.Value;
        var applied = o.IsPostgres
            ? await Storage.Postgres.PostgresSchema.InstallAsync(o.ConnectionString!, cancellationToken)
            : await SqliteDatabase.InstallSchemaAsync(o, cancellationToken);
        LogApplied(applied.Count, applied);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Schema: applied {Count} scripts {Scripts}")]
    private partial void LogApplied(int count, IReadOnlyList<string> scripts);
}
