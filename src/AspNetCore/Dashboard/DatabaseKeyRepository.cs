using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using OmniActors.Webhooks;

namespace OmniActors.Silo.Dashboard;

/// <summary>
/// The Data Protection key ring in the cluster's database (<c>omni_dataprotection_keys</c>): every silo reads the keys
/// every other silo wrote, so a dashboard cookie sealed by one silo opens on all of them, and keys outlive a container.
/// The repository contract is synchronous; Data Protection calls it at start and when the ring rolls, never per request.
/// </summary>
internal sealed class DatabaseKeyRepository(EventDatabase db, TimeProvider time) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var connection = db.OpenConnection();
        using var cmd = EventDatabase.Command(connection, null, SqlStatement.Of("SELECT xml FROM omni_dataprotection_keys ORDER BY created_at, id"));
        using var reader = cmd.ExecuteReader();
        var keys = new List<XElement>();
        while (reader.Read())
        {
            keys.Add(XElement.Parse(reader.GetString(0)));
        }
        return keys;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        ArgumentNullException.ThrowIfNull(element);
        // Data Protection names each key "key-<guid>"; a key is written once and never changed.
        var id = string.IsNullOrEmpty(friendlyName) ? "key-" + Guid.NewGuid().ToString("D") : friendlyName;
        using var connection = db.OpenConnection();
        using var cmd = EventDatabase.Command(connection, null, SqlStatement.Of(
            "INSERT INTO omni_dataprotection_keys (id, xml, created_at) VALUES (@id, @xml, @at) ON CONFLICT (id) DO NOTHING",
            ("@id", id), ("@xml", element.ToString(SaveOptions.DisableFormatting)),
            ("@at", time.GetUtcNow().ToUnixTimeMilliseconds())));
        cmd.ExecuteNonQuery();
    }
}
