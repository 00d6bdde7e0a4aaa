using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Messaging;
using Orleans.Runtime;
using Orleans.Runtime.MembershipService;

namespace OmniActors.Tests.Storage;

/// <summary>
/// Orleans' ADO.NET clustering, grain storage and reminders running on PostgreSQL through
/// deploy/sql/postgresql/0001_orleans.sql.
/// </summary>
public sealed class PostgresOrleansStorageTests(PostgresOrleansClusterFixture fixture)
    : OrleansProviderContractTests<PostgresOrleansClusterFixture>(fixture), IClassFixture<PostgresOrleansClusterFixture>
{
    private const int Active = 3;

    private static readonly IReadOnlyList<string> AllQueryKeys =
    [
        "InsertMembershipVersionKey", "InsertMembershipKey", "UpdateMembershipKey", "UpdateIAmAlivetimeKey",
        "MembershipReadRowKey", "MembershipReadAllKey", "GatewaysQueryKey", "DeleteMembershipTableEntriesKey",
        "CleanupDefunctSiloEntriesKey", "CleanupDefunctSiloEntryKey",
        .. StorageAndReminderQueryKeys,
    ];

    // Clustering adds the membership queries.
    protected override IReadOnlyList<string> OrleansQueryKeys => AllQueryKeys;

    protected override async Task<TempDatabase> CreateEmptyDatabaseAsync()
    {
        var database = new TempPostgresDatabase();
        await database.CreateAsync();
        return database;
    }

    // Version columns are INT (Int32); count(*) and Period are BIGINT.
    protected override object IntegerColumn(int value) => value;

    [Fact]
    public async Task Two_silos_form_a_cluster_through_the_membership_table()
    {
        var silos = Fixture.Cluster.Silos;
        Assert.Equal(2, silos.Count);

        var rows = await Fixture.Database.RowsAsync(
            "SELECT Address, Port, Generation, Status, ProxyPort FROM OrleansMembershipTable WHERE DeploymentId = @c",
            ("@c", Fixture.ClusterId));
        var active = rows.Where(r => (int)r[3]! == Active && (int)r[4]! > 0)
            .Select(r => SiloAddress.New(IPAddress.Parse((string)r[0]!), (int)r[1]!, (int)r[2]!))
            .ToHashSet();
        Assert.Equal(silos.Select(s => s.SiloAddress).ToHashSet(), active);
        Assert.True((int)(await Fixture.Database.ScalarAsync(
            "SELECT Version FROM OrleansMembershipVersionTable WHERE DeploymentId = @c", ("@c", Fixture.ClusterId)))! >= 4);

        // Each silo sees both as active, and the client found both gateways through GatewaysQueryKey.
        foreach (var silo in silos)
        {
            var membership = silo.SiloHost.Services.GetRequiredService<IClusterMembershipService>();
            await WaitUntilAsync(() => membership.CurrentSnapshot.Members.Values.Count(m => m.Status == SiloStatus.Active) == 2);
        }
        var gatewayList = Fixture.Client.ServiceProvider.GetRequiredService<IGatewayListProvider>();
        Assert.IsType<Orleans.Runtime.Membership.AdoNetGatewayListProvider>(gatewayList);
        Assert.Equal(2, (await gatewayList.GetGateways()).Count);
        Assert.All(silos, s => Assert.IsType<AdoNetClusteringTable>(s.SiloHost.Services.GetRequiredService<IMembershipTable>()));

        // Grain calls reach activations on both silos.
        var hosts = new HashSet<SiloAddress>();
        for (var i = 0; i < 100 && hosts.Count < 2; i++)
        {
            hosts.Add(await Fixture.Client.GetGrain<ISiloProbeGrain>(Guid.NewGuid()).Silo());
        }
        Assert.Equal(silos.Select(s => s.SiloAddress).ToHashSet(), hosts);
    }

    [Fact]
    public async Task Membership_table_writes_are_compare_and_set_and_cleanup_removes_only_old_dead_silos()
    {
        await using var database = await TempPostgresDatabase.WithSchemaAsync();
        var clusterId = "membership-" + Guid.NewGuid().ToString("N");
        using var services = new ServiceCollection().BuildServiceProvider();
        var table = new AdoNetClusteringTable(
            services,
            Options.Create(new ClusterOptions { ClusterId = clusterId, ServiceId = "membership" }),
            Options.Create(new AdoNetClusteringSiloOptions { Invariant = PostgresOrleansClusterFixture.Invariant, ConnectionString = database.ConnectionString }),
            NullLogger<AdoNetClusteringTable>.Instance);
        await table.InitializeMembershipTableAsync(true);
        // A second silo initialising the same cluster finds the version row there.
        await table.InitializeMembershipTableAsync(true);

        var empty = await table.ReadAllAsync();
        Assert.Empty(empty.Members);
        Assert.Equal(0, empty.Version.Version);

        var now = DateTime.UtcNow;
        var dead = Entry(1, SiloStatus.Dead, now.AddHours(-3), now.AddHours(-2));
        var alive = Entry(2, SiloStatus.Active, now.AddMinutes(-10), now);
        var suspected = Entry(3, SiloStatus.Dead, now.AddHours(-3), now.AddHours(-2));

        Assert.True(await table.InsertRowAsync(dead, empty.Version.Next()));
        Assert.False(await table.InsertRowAsync(alive, empty.Version.Next())); // stale table version
        var afterOne = await table.ReadAllAsync();
        Assert.False(await table.InsertRowAsync(dead, afterOne.Version.Next())); // the silo already has a row
        Assert.True(await table.InsertRowAsync(alive, afterOne.Version.Next()));
        Assert.True(await table.InsertRowAsync(suspected, (await table.ReadAllAsync()).Version.Next()));

        // Updates: compare-and-set on the table version; suspect times round-trip.
        var data = await table.ReadAllAsync();
        Assert.Equal(3, data.Version.Version);
        var (suspectedRow, etag) = data.Members.Single(m => m.Item1.SiloAddress.Equals(suspected.SiloAddress));
        suspectedRow.SuspectTimes = [Tuple.Create(alive.SiloAddress, now.AddMinutes(-1))];
        Assert.False(await table.UpdateRowAsync(suspectedRow, afterOne.Version.VersionEtag, afterOne.Version.Next())); // stale
        Assert.True(await table.UpdateRowAsync(suspectedRow, etag, data.Version.Next()));
        var read = await table.ReadRowAsync(suspected.SiloAddress);
        Assert.Equal(4, read.Version.Version);
        var stored = Assert.Single(read.Members).Item1;
        Assert.NotNull(stored.SuspectTimes);
        Assert.Equal(alive.SiloAddress, Assert.Single(stored.SuspectTimes).Item1);

        // Heartbeats never move IAmAliveTime backwards and leave the version alone.
        var heartbeat = Entry(2, SiloStatus.Active, alive.StartTime, now.AddMinutes(-5));
        await table.UpdateIAmAliveAsync(heartbeat);
        var aliveRead = await table.ReadRowAsync(alive.SiloAddress);
        Assert.Equal(4, aliveRead.Version.Version);
        Assert.Equal(now, Assert.Single(aliveRead.Members).Item1.IAmAliveTime, TimeSpan.FromMilliseconds(1));

        // Cleanup (10.4.2 uses the per-row CleanupDefunctSiloEntryKey): only the dead row without recent suspicions goes.
        await table.CleanupDefunctSiloEntriesAsync(now.AddHours(-1));
        Assert.Equal(
            new[] { alive.SiloAddress, suspected.SiloAddress }.ToHashSet(),
            (await table.ReadAllAsync()).Members.Select(m => m.Item1.SiloAddress).ToHashSet());

        // The bulk CleanupDefunctSiloEntriesKey, used when the per-row query is not installed.
        await database.ExecuteAsync("DELETE FROM OrleansQuery WHERE QueryKey = 'CleanupDefunctSiloEntryKey'");
        var legacy = new AdoNetClusteringTable(
            services,
            Options.Create(new ClusterOptions { ClusterId = clusterId, ServiceId = "membership" }),
            Options.Create(new AdoNetClusteringSiloOptions { Invariant = PostgresOrleansClusterFixture.Invariant, ConnectionString = database.ConnectionString }),
            NullLogger<AdoNetClusteringTable>.Instance);
        await legacy.InitializeMembershipTableAsync(false);
        var revived = await legacy.ReadAllAsync();
        var (suspectedAgain, suspectedEtag) = revived.Members.Single(m => m.Item1.SiloAddress.Equals(suspected.SiloAddress));
        suspectedAgain.SuspectTimes = null;
        Assert.True(await legacy.UpdateRowAsync(suspectedAgain, suspectedEtag, revived.Version.Next()));
        await legacy.CleanupDefunctSiloEntriesAsync(now.AddHours(-1));
        Assert.Equal(alive.SiloAddress, Assert.Single((await legacy.ReadAllAsync()).Members).Item1.SiloAddress);

        await legacy.DeleteMembershipTableEntriesAsync(clusterId);
        Assert.Equal(0L, await database.ScalarAsync(
            "SELECT count(*) FROM OrleansMembershipVersionTable WHERE DeploymentId = @c", ("@c", clusterId)));
    }

    private static MembershipEntry Entry(int instance, SiloStatus status, DateTime startTime, DateTime iAmAliveTime) => new()
    {
        SiloAddress = SiloAddress.New(IPAddress.Loopback, 11_000 + instance, 1_000 + instance),
        SiloName = "silo-" + instance,
        HostName = "host-" + instance,
        Status = status,
        ProxyPort = 30_000 + instance,
        StartTime = startTime,
        IAmAliveTime = iAmAliveTime,
    };

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!condition())
        {
            await Task.Delay(100, timeout.Token);
        }
    }
}

/// <summary>Tells which silo its activation runs on.</summary>
[Alias("omni.test.ISiloProbeGrain")]
public interface ISiloProbeGrain : IGrainWithGuidKey
{
    [Alias("Silo")] Task<SiloAddress> Silo();
}

/// <remarks>Random placement: Orleans' default (resource-optimized) may put every activation on the silo that looked
/// least loaded at its last sample, so under a busy CI machine all 100 probes once landed on one silo of two.</remarks>
[Orleans.Placement.RandomPlacement]
public sealed class SiloProbeGrain(ILocalSiloDetails silo) : Grain, ISiloProbeGrain
{
    public Task<SiloAddress> Silo() => Task.FromResult(silo.SiloAddress);
}
