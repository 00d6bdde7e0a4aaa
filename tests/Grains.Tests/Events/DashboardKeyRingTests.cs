using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.DependencyInjection;
using OmniActors.Silo.Dashboard;
using OmniActors.Webhooks;

namespace OmniActors.Tests.Events;

/// <summary>
/// With no keys folder configured, the Data Protection keys that seal dashboard cookies live in the cluster's database:
/// a second silo on the same database (here a second, independent Data Protection system) opens what the first sealed.
/// </summary>
public abstract class DashboardKeyRingTests(EventFabricFactory factory) : EventFabricTest(factory)
{
    private const string Purpose = "dashboard key ring test";

    private static IDataProtector OtherSilo(Action<KeyManagementOptions> keys)
    {
        var services = new ServiceCollection();
        services.AddDataProtection().SetApplicationName("OmniActors");
        services.Configure(keys);
        return services.BuildServiceProvider().GetRequiredService<IDataProtectionProvider>().CreateProtector(Purpose);
    }

    [Fact]
    public async Task A_second_silo_on_the_same_database_opens_what_the_first_sealed()
    {
        var secret = "session-" + Guid.NewGuid().ToString("N");
        var sealedValue = Fabric.Service<IDataProtectionProvider>().CreateProtector(Purpose).Protect(secret);

        var other = OtherSilo(k => k.XmlRepository = new DatabaseKeyRepository(Fabric.Service<EventDatabase>(), TimeProvider.System));

        Assert.Equal(secret, other.Unprotect(sealedValue));
        Assert.True(await Fabric.CountAsync("SELECT COUNT(*) FROM omni_dataprotection_keys") >= 1);
    }

    [Fact]
    public void A_silo_with_a_key_ring_of_its_own_cannot_open_it()
    {
        var sealedValue = Fabric.Service<IDataProtectionProvider>().CreateProtector(Purpose).Protect("not for you");
        var folder = Directory.CreateTempSubdirectory("omni-keys-");
        try
        {
            var stranger = OtherSilo(k => k.XmlRepository = new Microsoft.AspNetCore.DataProtection.Repositories.FileSystemXmlRepository(folder,
                Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance));

            Assert.ThrowsAny<CryptographicException>(() => stranger.Unprotect(sealedValue));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}

[Collection(SqliteEventFabricCollection.Name)]
public sealed class SqliteDashboardKeyRingTests(SqliteEventFabric factory) : DashboardKeyRingTests(factory);

[Collection(PostgresEventFabricCollection.Name)]
public sealed class PostgresDashboardKeyRingTests(PostgresEventFabric factory) : DashboardKeyRingTests(factory);
