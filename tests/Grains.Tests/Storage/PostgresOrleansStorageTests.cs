using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OmniActors.Storage;
using Orleans.Configuration;
using Orleans.Messaging;
using Orleans.Runtime;
using Orleans.Runtime.MembershipService;
using Orleans.Storage;

namespace OmniActors.Tests.Storage;

/// <summary>
/// Orleans' ADO.NET clustering, grain storage and reminders running on PostgreSQL through
/// deploy/sql/postgresql/0001_orleans.sql.
/// </summary>
public sealed class PostgresOrleansStorageTests(PostgresOrleansClusterFixture fixture) : IClassFixture<PostgresOrleansClusterFixture>
{
    private const int Active = 3;

    private static readonly string[] OrleansQueryKeys =
    [
        "InsertMembershipVersionKey", "InsertMembershipKey", "UpdateMembershipKey", "UpdateIAmAlivetimeKey",
        "MembershipReadRowKey", "MembershipReadAllKey", "GatewaysQueryKey", "DeleteMembershipTableEntriesKey",
        "CleanupDefunctSiloEntriesKey", "CleanupDefunctSiloEntryKey",
        "WriteToStorageKey", "ReadFromStorageKey", "ClearStorageKey", "DeleteStorageKey",
        "UpsertReminderRowKey", "ReadReminderRowsKey", "ReadReminderRowKey", "ReadRangeRows1Key", "ReadRangeRows2Key",
        "DeleteReminderRowKey", "DeleteReminderRowsKey",
    ];

    [Fact]
    public async Task Schema_applies_once_and_a_second_run_applies_nothing()
    {
        await using var database = new TempPostgresDatabase();
        await database.CreateAsync();

        var first = await database.ApplySchemaAsync();
        var second = await database.ApplySchemaAsync();

        Assert.Contains("0001_orleans.sql", first);
        Assert.Empty(second);
        await AssertQueriesPresentAsync(database);

        // The script is idempotent on its own too, not only through the installer's version table.
        var script = SchemaInstaller.Scripts("postgresql").Single(s => s.Name == "0001_orleans.sql").Sql;
        await database.ExecuteAsync(script);
        await AssertQueriesPresentAsync(database);
    }

    [Fact]
    public async Task Two_silos_form_a_cluster_through_the_membership_table()
    {
        var silos = fixture.Cluster.Silos;
        Assert.Equal(2, silos.Count);

        var rows = await fixture.Database.RowsAsync(
            "SELECT Address, Port, Generation, Status, ProxyPort FROM OrleansMembershipTable WHERE DeploymentId = @c",
            ("@c", fixture.ClusterId));
        var active = rows.Where(r => (int)r[3]! == Active && (int)r[4]! > 0)
            .Select(r => SiloAddress.New(IPAddress.Parse((string)r[0]!), (int)r[1]!, (int)r[2]!))
            .ToHashSet();
        Assert.Equal(silos.Select(s => s.SiloAddress).ToHashSet(), active);
        Assert.True((int)(await fixture.Database.ScalarAsync(
            "SELECT Version FROM OrleansMembershipVersionTable WHERE DeploymentId = @c", ("@c", fixture.ClusterId)))! >= 4);

        // Each silo sees both as active, and the client found both gateways through GatewaysQueryKey.
        foreach (var silo in silos)
        {
            var membership = silo.SiloHost.Services.GetRequiredService<IClusterMembershipService>();
            await WaitUntilAsync(() => membership.CurrentSnapshot.Members.Values.Count(m => m.Status == SiloStatus.Active) == 2);
        }
        var gatewayList = fixture.Client.ServiceProvider.GetRequiredService<IGatewayListProvider>();
        Assert.IsType<Orleans.Runtime.Membership.AdoNetGatewayListProvider>(gatewayList);
        Assert.Equal(2, (await gatewayList.GetGateways()).Count);
        Assert.All(silos, s => Assert.IsType<AdoNetClusteringTable>(s.SiloHost.Services.GetRequiredService<IMembershipTable>()));

        // Grain calls reach activations on both silos.
        var hosts = new HashSet<SiloAddress>();
        for (var i = 0; i < 100 && hosts.Count < 2; i++)
        {
            hosts.Add(await fixture.Client.GetGrain<ISiloProbeGrain>(Guid.NewGuid()).Silo());
        }
        Assert.Equal(silos.Select(s => s.SiloAddress).ToHashSet(), hosts);
    }

    [Fact]
    public async Task Membership_table_writes_are_compare_and_set_and_cleanup_removes_only_old_dead_silos()
    {
        await using var database = new TempPostgresDatabase();
        await database.CreateAsync();
        await database.ApplySchemaAsync();
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

    [Fact]
    public async Task Grain_state_survives_deactivation_and_each_write_bumps_the_version()
    {
        var key = Random.Shared.NextInt64(1, long.MaxValue);
        var grain = fixture.Client.GetGrain<IStorageProbeGrain>(key);

        Assert.Equal(new StorageProbeSnapshot(null, null, false), await grain.Read());
        Assert.Equal(new StorageProbeSnapshot("hello", "1", true), await grain.Write("hello"));

        await fixture.Cluster.DeactivateAsync(grain);
        Assert.Equal(new StorageProbeSnapshot("hello", "1", true), await grain.Read());

        Assert.Equal(new StorageProbeSnapshot("world", "2", true), await grain.Write("world"));
        Assert.Equal(2, await StoredVersionAsync(key));

        await fixture.Cluster.DeactivateAsync(grain);
        Assert.Equal(new StorageProbeSnapshot("world", "2", true), await grain.Read());
    }

    [Fact]
    public async Task Clearing_state_keeps_the_row_without_payload_and_later_writes_continue_its_version()
    {
        var key = Random.Shared.NextInt64(1, long.MaxValue);
        var grain = fixture.Client.GetGrain<IStorageProbeGrain>(key);
        await grain.Write("doomed");

        Assert.Equal(new StorageProbeSnapshot(null, "2", false), await grain.Clear());
        Assert.Equal(1L, await fixture.Database.ScalarAsync(
            "SELECT count(*) FROM OrleansStorage WHERE ServiceId = @s AND GrainIdN1 = @k AND PayloadBinary IS NULL",
            ("@s", fixture.ServiceId), ("@k", key)));

        await fixture.Cluster.DeactivateAsync(grain);
        Assert.Equal(new StorageProbeSnapshot(null, "2", false), await grain.Read());
        Assert.Equal(new StorageProbeSnapshot("again", "3", true), await grain.Write("again"));
    }

    [Fact]
    public async Task A_write_with_a_stale_version_is_a_conflict()
    {
        var key = Random.Shared.NextInt64(1, long.MaxValue);
        var grain = fixture.Client.GetGrain<IStorageProbeGrain>(key);
        await grain.Write("mine");

        // Another writer got there first.
        await fixture.Database.ExecuteAsync(
            "UPDATE OrleansStorage SET Version = Version + 1 WHERE ServiceId = @s AND GrainIdN1 = @k", ("@s", fixture.ServiceId), ("@k", key));

        await Assert.ThrowsAsync<InconsistentStateException>(() => grain.Write("stale"));
        Assert.Equal(2, await StoredVersionAsync(key));
    }

    [Fact]
    public async Task Clearing_with_delete_on_clear_removes_the_row_and_the_next_write_starts_over()
    {
        var key = "delete-" + Guid.NewGuid().ToString("N");
        var grain = fixture.Client.GetGrain<IDeletingStorageProbeGrain>(key);
        Assert.Equal(new StorageProbeSnapshot("x", "1", true), await grain.Write("x"));
        Assert.Equal(new StorageProbeSnapshot("y", "2", true), await grain.Write("y"));

        Assert.Equal(new StorageProbeSnapshot(null, null, false), await grain.Clear());
        Assert.Equal(0L, await fixture.Database.ScalarAsync(
            "SELECT count(*) FROM OrleansStorage WHERE ServiceId = @s AND GrainIdExtensionString = @k", ("@s", fixture.ServiceId), ("@k", key)));

        Assert.Equal(new StorageProbeSnapshot("z", "1", true), await grain.Write("z"));
    }

    [Fact]
    public async Task Reminders_are_stored_read_listed_and_removed()
    {
        var grain = fixture.Client.GetGrain<IReminderProbeGrain>("reminder-" + Guid.NewGuid().ToString("N"));
        var grainId = grain.GetGrainId().ToString();

        await grain.Register("tick", TimeSpan.FromHours(1), TimeSpan.FromMinutes(1));
        await grain.Register("tock", TimeSpan.FromHours(1), TimeSpan.FromMinutes(2));
        await grain.Register("tock", TimeSpan.FromHours(2), TimeSpan.FromMinutes(3));

        Assert.Equal("tick", await grain.Get("tick"));
        Assert.Null(await grain.Get("nope"));
        Assert.Equal(["tick", "tock"], (await grain.List()).Order());
        Assert.Equal(60_000L, await ReminderColumnAsync(grainId, "tick", "Period"));
        Assert.Equal(180_000L, await ReminderColumnAsync(grainId, "tock", "Period"));
        Assert.Equal(1, await ReminderColumnAsync(grainId, "tock", "Version"));

        await grain.Unregister("tick");

        Assert.Null(await grain.Get("tick"));
        Assert.Equal(["tock"], await grain.List());
        Assert.Null(await ReminderColumnAsync(grainId, "tick", "Period"));

        await grain.Unregister("tock");
        Assert.Empty(await grain.List());
        Assert.Equal(0L, await fixture.Database.ScalarAsync(
            "SELECT count(*) FROM OrleansRemindersTable WHERE GrainId = @g", ("@g", grainId)));
    }

    [Fact]
    public async Task Reminder_range_reads_compare_grain_hashes_as_signed_integers()
    {
        var table = fixture.Cluster.GetSiloServiceProvider().GetRequiredService<IReminderTable>();
        // Rows placed by hand on the ring. As unsigned: 0x7FFFFFF0 and 0x80000005 are neighbours,
        // and 0xFFFFFFFB (-5 signed) lies far from both.
        var rows = new Dictionary<string, uint> { ["high"] = 0x7FFFFFF0u, ["low"] = 0x80000005u, ["minus5"] = 0xFFFFFFFBu };
        var ids = rows.ToDictionary(r => r.Key, r => GrainId.Create("omni-test-probe", r.Key + "-" + Guid.NewGuid().ToString("N")));
        foreach (var (name, hash) in rows)
        {
            await InsertReminderRowAsync(ids[name], unchecked((int)hash));
        }
        try
        {
            async Task<string[]> Range(uint begin, uint end)
            {
                var found = (await table.ReadRows(begin, end)).Reminders.Select(r => r.GrainId).ToHashSet();
                return [.. ids.Where(i => found.Contains(i.Value)).Select(i => i.Key).Order(StringComparer.Ordinal)];
            }

            // Unsigned begin < end but signed begin > end: Orleans picks the wrapping query, (begin, max] + [min, end].
            Assert.Equal(["high", "low"], await Range(0x7FFFFF00u, 0x80000010u));
            // Unsigned begin > end but signed begin < end: the plain query, (begin, end] in signed order.
            Assert.Equal(["minus5"], await Range(0x80000010u, 0x7FFFFF00u));
            // Bounds: begin excluded, end included, in both queries; begin == end is the whole ring.
            Assert.Equal(["high"], await Range(0x7FFFFFEFu, 0x7FFFFFF0u));
            Assert.Empty(await Range(0x7FFFFFF0u, 0x7FFFFFFFu));
            Assert.Equal(["low"], await Range(0x7FFFFFF0u, 0x80000005u));
            Assert.Equal(["high", "low", "minus5"], await Range(0x7FFFFFF0u, 0x7FFFFFF0u));
        }
        finally
        {
            foreach (var id in ids.Values)
            {
                await fixture.Database.ExecuteAsync("DELETE FROM OrleansRemindersTable WHERE GrainId = @g", ("@g", id.ToString()));
            }
        }
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

    private static async Task AssertQueriesPresentAsync(TempPostgresDatabase database)
    {
        Assert.Equal((long)OrleansQueryKeys.Length, await database.ScalarAsync("SELECT count(*) FROM OrleansQuery"));
        foreach (var key in OrleansQueryKeys)
        {
            Assert.Equal(1L, await database.ScalarAsync("SELECT count(*) FROM OrleansQuery WHERE QueryKey = @k", ("@k", key)));
        }
    }

    private Task<int> InsertReminderRowAsync(GrainId grainId, int grainHash) => fixture.Database.ExecuteAsync(
        """
        INSERT INTO OrleansRemindersTable (ServiceId, GrainId, ReminderName, StartTime, Period, GrainHash, Version)
        VALUES (@s, @g, 'range', @t, 3600000, @h, 0)
        """,
        ("@s", fixture.ServiceId), ("@g", grainId.ToString()), ("@t", DateTime.UtcNow.AddDays(1)), ("@h", grainHash));

    private Task<object?> StoredVersionAsync(long key) => fixture.Database.ScalarAsync(
        "SELECT Version FROM OrleansStorage WHERE ServiceId = @s AND GrainIdN1 = @k", ("@s", fixture.ServiceId), ("@k", key));

    private Task<object?> ReminderColumnAsync(string grainId, string name, string column) => fixture.Database.ScalarAsync(
        $"SELECT {column} FROM OrleansRemindersTable WHERE ServiceId = @s AND GrainId = @g AND ReminderName = @n",
        ("@s", fixture.ServiceId), ("@g", grainId), ("@n", name));
}

/// <summary>Tells which silo its activation runs on.</summary>
[Alias("omni.test.ISiloProbeGrain")]
public interface ISiloProbeGrain : IGrainWithGuidKey
{
    [Alias("Silo")] Task<SiloAddress> Silo();
}

public sealed class SiloProbeGrain(ILocalSiloDetails silo) : Grain, ISiloProbeGrain
{
    public Task<SiloAddress> Silo() => Task.FromResult(silo.SiloAddress);
}
