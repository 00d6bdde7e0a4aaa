using Orleans.Hosting;
using Orleans.TestingHost;

namespace OmniActors.Tests.Storage;

/// <summary>
/// In-process silos whose grain storage and reminders are Orleans' own ADO.NET providers on a throwaway database
/// created by our schema scripts. The database goes away when the tests are done.
/// </summary>
public abstract class OrleansClusterFixture : IAsyncLifetime, IAsyncDisposable
{
    /// <summary>The providers the probe grains name (see StorageProbeGrains.cs).</summary>
    public const string StorageName = "omni";
    public const string DeletingStorageName = "omni-delete";

    private InProcessTestCluster? _cluster;
    private bool _disposed;

    /// <summary>The database the cluster uses, for checking rows directly.</summary>
    public abstract TempDatabase Database { get; }

    public string ConnectionString => Database.ConnectionString;

    public InProcessTestCluster Cluster => _cluster ?? throw new InvalidOperationException("The cluster is not deployed.");

    public IClusterClient Client => Cluster.Client;

    public string ServiceId => Cluster.Options.ServiceId;

    /// <summary>The ADO.NET invariant Orleans maps to the provider's factory.</summary>
    protected abstract string AdoNetInvariant { get; }

    protected abstract short SiloCount { get; }

    public async Task InitializeAsync()
    {
        await PrepareDatabaseAsync();
        var invariant = AdoNetInvariant;
        var connectionString = ConnectionString;
        var builder = new InProcessTestClusterBuilder(SiloCount);
        ConfigureCluster(builder, invariant, connectionString);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddAdoNetGrainStorage(StorageName, o =>
            {
                o.Invariant = invariant;
                o.ConnectionString = connectionString;
            });
            silo.AddAdoNetGrainStorage(DeletingStorageName, o =>
            {
                o.Invariant = invariant;
                o.ConnectionString = connectionString;
                o.DeleteStateOnClear = true;
            });
            silo.UseAdoNetReminderService(o =>
            {
                o.Invariant = invariant;
                o.ConnectionString = connectionString;
            });
        });
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    /// <summary>Stops the cluster, then (once the silos let go of it) removes the database; safe to call twice.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
            _cluster = null;
        }
        if (!_disposed)
        {
            _disposed = true;
            await Database.DisposeAsync();
        }
        GC.SuppressFinalize(this);
    }

    /// <summary>Creates the database and applies the schema.</summary>
    protected abstract Task PrepareDatabaseAsync();

    /// <summary>Options, silo and client configuration that must come before storage (e.g. clustering).</summary>
    protected virtual void ConfigureCluster(InProcessTestClusterBuilder builder, string invariant, string connectionString)
    {
    }
}
