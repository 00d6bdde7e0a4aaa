using Microsoft.Extensions.DependencyInjection;
using OmniActors.Storage;
using Orleans.Runtime;
using Orleans.Storage;

namespace OmniActors.Tests.Storage;

/// <summary>
/// What Orleans' ADO.NET grain storage and reminders must do on every database we ship a schema for
/// (deploy/sql/&lt;dialect&gt;/0001_orleans.sql). Each provider's test class derives from this with its fixture.
/// </summary>
public abstract class OrleansProviderContractTests<TFixture>(TFixture fixture) where TFixture : OrleansClusterFixture
{
    /// <summary>The queries grain storage and reminders read from OrleansQuery.</summary>
    protected static readonly IReadOnlyList<string> StorageAndReminderQueryKeys =
    [
        "WriteToStorageKey", "ReadFromStorageKey", "ClearStorageKey", "DeleteStorageKey",
        "UpsertReminderRowKey", "ReadReminderRowsKey", "ReadReminderRowKey", "ReadRangeRows1Key", "ReadRangeRows2Key",
        "DeleteReminderRowKey", "DeleteReminderRowsKey",
    ];

    protected TFixture Fixture => fixture;

    /// <summary>Every query the provider's script installs (and nothing else).</summary>
    protected virtual IReadOnlyList<string> OrleansQueryKeys => StorageAndReminderQueryKeys;

    /// <summary>A new database of this provider, without the schema.</summary>
    protected abstract Task<TempDatabase> CreateEmptyDatabaseAsync();

    /// <summary>
    /// An INT column's value as the provider's ADO.NET driver returns it (SQLite: Int64, PostgreSQL: Int32).
    /// count(*) and BIGINT columns are Int64 everywhere.
    /// </summary>
    protected abstract object IntegerColumn(int value);

    [Fact]
    public async Task Schema_applies_once_and_a_second_run_applies_nothing()
    {
        await using var database = await CreateEmptyDatabaseAsync();

        var first = await database.ApplySchemaAsync();
        var second = await database.ApplySchemaAsync();

        Assert.Contains("0001_orleans.sql", first);
        Assert.Empty(second);
        await AssertQueriesPresentAsync(database);

        // The script is idempotent on its own too, not only through the installer's version table.
        var script = SchemaInstaller.Scripts(database.Dialect).Single(s => s.Name == "0001_orleans.sql").Sql;
        await database.ExecuteAsync(script);
        await AssertQueriesPresentAsync(database);
    }

    [Fact]
    public async Task Grain_state_survives_deactivation_and_each_write_bumps_the_version()
    {
        var key = Random.Shared.NextInt64(1, long.MaxValue);
        var grain = Fixture.Client.GetGrain<IStorageProbeGrain>(key);

        Assert.Equal(new StorageProbeSnapshot(null, null, false), await grain.Read());
        Assert.Equal(new StorageProbeSnapshot("hello", "1", true), await grain.Write("hello"));

        await Fixture.Cluster.DeactivateAsync(grain);
        Assert.Equal(new StorageProbeSnapshot("hello", "1", true), await grain.Read());

        Assert.Equal(new StorageProbeSnapshot("world", "2", true), await grain.Write("world"));
        Assert.Equal(IntegerColumn(2), await StoredVersionAsync(key));

        await Fixture.Cluster.DeactivateAsync(grain);
        Assert.Equal(new StorageProbeSnapshot("world", "2", true), await grain.Read());
    }

    [Fact]
    public async Task Clearing_state_keeps_the_row_without_payload_and_later_writes_continue_its_version()
    {
        var key = Random.Shared.NextInt64(1, long.MaxValue);
        var grain = Fixture.Client.GetGrain<IStorageProbeGrain>(key);
        await grain.Write("doomed");

        Assert.Equal(new StorageProbeSnapshot(null, "2", false), await grain.Clear());
        Assert.Null(await Fixture.Database.ScalarAsync(
            "SELECT PayloadBinary FROM OrleansStorage WHERE ServiceId = @s AND GrainIdN1 = @k", ("@s", Fixture.ServiceId), ("@k", key)));
        Assert.Equal(1L, await Fixture.Database.ScalarAsync(
            "SELECT count(*) FROM OrleansStorage WHERE ServiceId = @s AND GrainIdN1 = @k AND PayloadBinary IS NULL",
            ("@s", Fixture.ServiceId), ("@k", key)));

        await Fixture.Cluster.DeactivateAsync(grain);
        Assert.Equal(new StorageProbeSnapshot(null, "2", false), await grain.Read());
        Assert.Equal(new StorageProbeSnapshot("again", "3", true), await grain.Write("again"));
    }

    [Fact]
    public async Task A_write_with_a_stale_version_is_a_conflict()
    {
        var key = Random.Shared.NextInt64(1, long.MaxValue);
        var grain = Fixture.Client.GetGrain<IStorageProbeGrain>(key);
        await grain.Write("mine");

        // Another writer got there first.
        await Fixture.Database.ExecuteAsync(
            "UPDATE OrleansStorage SET Version = Version + 1 WHERE ServiceId = @s AND GrainIdN1 = @k", ("@s", Fixture.ServiceId), ("@k", key));

        await Assert.ThrowsAsync<InconsistentStateException>(() => grain.Write("stale"));
        Assert.Equal(IntegerColumn(2), await StoredVersionAsync(key));
    }

    [Fact]
    public async Task Clearing_with_delete_on_clear_removes_the_row_and_the_next_write_starts_over()
    {
        var key = "delete-" + Guid.NewGuid().ToString("N");
        var grain = Fixture.Client.GetGrain<IDeletingStorageProbeGrain>(key);
        Assert.Equal(new StorageProbeSnapshot("x", "1", true), await grain.Write("x"));
        Assert.Equal(new StorageProbeSnapshot("y", "2", true), await grain.Write("y"));

        Assert.Equal(new StorageProbeSnapshot(null, null, false), await grain.Clear());
        Assert.Equal(0L, await Fixture.Database.ScalarAsync(
            "SELECT count(*) FROM OrleansStorage WHERE ServiceId = @s AND GrainIdExtensionString = @k", ("@s", Fixture.ServiceId), ("@k", key)));

        Assert.Equal(new StorageProbeSnapshot("z", "1", true), await grain.Write("z"));
    }

    [Fact]
    public async Task Reminders_are_stored_read_listed_and_removed()
    {
        var grain = Fixture.Client.GetGrain<IReminderProbeGrain>("reminder-" + Guid.NewGuid().ToString("N"));
        var grainId = grain.GetGrainId().ToString();

        await grain.Register("tick", TimeSpan.FromHours(1), TimeSpan.FromMinutes(1));
        await grain.Register("tock", TimeSpan.FromHours(1), TimeSpan.FromMinutes(2));
        await grain.Register("tock", TimeSpan.FromHours(2), TimeSpan.FromMinutes(3));

        Assert.Equal("tick", await grain.Get("tick"));
        Assert.Null(await grain.Get("nope"));
        Assert.Equal(["tick", "tock"], (await grain.List()).Order());
        Assert.Equal(60_000L, await ReminderColumnAsync(grainId, "tick", "Period"));
        Assert.Equal(180_000L, await ReminderColumnAsync(grainId, "tock", "Period"));
        Assert.Equal(IntegerColumn(1), await ReminderColumnAsync(grainId, "tock", "Version"));

        await grain.Unregister("tick");

        Assert.Null(await grain.Get("tick"));
        Assert.Equal(["tock"], await grain.List());
        Assert.Null(await ReminderColumnAsync(grainId, "tick", "Period"));

        await grain.Unregister("tock");
        Assert.Empty(await grain.List());
        Assert.Equal(0L, await Fixture.Database.ScalarAsync(
            "SELECT count(*) FROM OrleansRemindersTable WHERE GrainId = @g", ("@g", grainId)));
    }

    [Fact]
    public async Task Reminder_range_reads_compare_grain_hashes_as_signed_integers()
    {
        var table = Fixture.Cluster.GetSiloServiceProvider().GetRequiredService<IReminderTable>();
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
                await Fixture.Database.ExecuteAsync("DELETE FROM OrleansRemindersTable WHERE GrainId = @g", ("@g", id.ToString()));
            }
        }
    }

    /// <summary>Places a reminder row on the ring by hand, at the given (signed) grain hash.</summary>
    protected virtual Task<int> InsertReminderRowAsync(GrainId grainId, int grainHash) => Fixture.Database.ExecuteAsync(
        """
        INSERT INTO OrleansRemindersTable (ServiceId, GrainId, ReminderName, StartTime, Period, GrainHash, Version)
        VALUES (@s, @g, 'range', @t, 3600000, @h, 0)
        """,
        ("@s", Fixture.ServiceId), ("@g", grainId.ToString()), ("@t", DateTime.UtcNow.AddDays(1)), ("@h", grainHash));

    protected virtual Task<object?> StoredVersionAsync(long key) => Fixture.Database.ScalarAsync(
        "SELECT Version FROM OrleansStorage WHERE ServiceId = @s AND GrainIdN1 = @k", ("@s", Fixture.ServiceId), ("@k", key));

    protected virtual Task<object?> ReminderColumnAsync(string grainId, string name, string column) => Fixture.Database.ScalarAsync(
        $"SELECT {column} FROM OrleansRemindersTable WHERE ServiceId = @s AND GrainId = @g AND ReminderName = @n",
        ("@s", Fixture.ServiceId), ("@g", grainId), ("@n", name));

    private async Task AssertQueriesPresentAsync(TempDatabase database)
    {
        Assert.Equal((long)OrleansQueryKeys.Count, await database.ScalarAsync("SELECT count(*) FROM OrleansQuery"));
        foreach (var key in OrleansQueryKeys)
        {
            Assert.Equal(1L, await database.ScalarAsync("SELECT count(*) FROM OrleansQuery WHERE QueryKey = @k", ("@k", key)));
        }
    }
}
