using System.Data.Common;
using System.Globalization;
using OmniActors.Errors;
using OmniActors.Webhooks;
using OmniActors.Storage;

namespace OmniActors.Identities;

/// <summary>
/// <c>omni_identities</c> and the handle index <c>omni_identity_handles</c>. The handle table's primary key decides every
/// race: two silos seeing a new handle at once both try to claim it, one wins, the other reads the winner.
/// </summary>
public sealed class IdentityStore(EventDatabase db, TimeProvider time)
{
    /// <summary>The identity a handle resolves to (merges followed), or null when the handle was never seen.</summary>
    public async Task<(string Id, DateTimeOffset CreatedAt)?> FindAsync(IdentityHandle handle, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handle);
        var rows = await db.QueryAsync(SqlStatement.Of(
            "SELECT COALESCE(i.merged_into, i.id), i.created_at FROM omni_identity_handles h JOIN omni_identities i ON i.id = h.identity_id " +
            "WHERE h.provider = @provider AND h.handle = @handle",
            ("@provider", handle.Provider), ("@handle", handle.Handle)),
            r => (r.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(Convert.ToInt64(r.GetValue(1), CultureInfo.InvariantCulture))), cancellationToken);
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary>Creates an identity owning <paramref name="handle"/>; returns null (creating nothing) when another identity claimed it first.</summary>
    public Task<string?> TryCreateAsync(IdentityHandle handle, string? displayName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handle);
        var id = "id" + Guid.CreateVersion7().ToString("N");
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        return db.InTransactionAsync<string?>(async (connection, tx) =>
        {
            await EventDatabase.ExecuteAsync(connection, tx, SqlStatement.Of(
                "INSERT INTO omni_identities (id, display_name, merged_into, created_at, updated_at) VALUES (@id, @name, NULL, @now, @now)",
                ("@id", id), ("@name", displayName), ("@now", now)));
            var claimed = await EventDatabase.ExecuteAsync(connection, tx, SqlStatement.Of(
                "INSERT INTO omni_identity_handles (provider, handle, identity_id, created_at) VALUES (@provider, @handle, @id, @now) " +
                "ON CONFLICT (provider, handle) DO NOTHING",
                ("@provider", handle.Provider), ("@handle", handle.Handle), ("@id", id), ("@now", now)));
            if (claimed == 1)
            {
                return id;
            }
            // Lost the race: leave no identity without a handle behind.
            await EventDatabase.ExecuteAsync(connection, tx, SqlStatement.Of("DELETE FROM omni_identities WHERE id = @id", ("@id", id)));
            return null;
        }, cancellationToken);
    }

    /// <summary>Gives an unclaimed handle to an identity; returns the identity that owns it afterwards (merges followed).</summary>
    public async Task<string> ClaimAsync(string identityId, IdentityHandle handle, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handle);
        await db.WriteAsync(SqlStatement.Of(
            "INSERT INTO omni_identity_handles (provider, handle, identity_id, created_at) VALUES (@provider, @handle, @id, @now) " +
            "ON CONFLICT (provider, handle) DO NOTHING",
            ("@provider", handle.Provider), ("@handle", handle.Handle), ("@id", identityId), ("@now", time.GetUtcNow().ToUnixTimeMilliseconds())));
        return (await FindAsync(handle, cancellationToken))?.Id ?? identityId;
    }

    /// <summary>Merges <paramref name="mergedId"/> into <paramref name="survivorId"/> (both taken to their current survivors) in one
    /// transaction; returns the final survivor.</summary>
    public Task<string> MergeAsync(string survivorId, string mergedId, CancellationToken cancellationToken = default) =>
        db.InTransactionAsync(async (connection, tx) =>
        {
            var survivor = await CurrentIdAsync(connection, tx, survivorId) ?? throw new NotFoundException($"Identity {survivorId} does not exist.");
            var merged = await CurrentIdAsync(connection, tx, mergedId) ?? throw new NotFoundException($"Identity {mergedId} does not exist.");
            if (survivor == merged)
            {
                return survivor;
            }
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            await EventDatabase.ExecuteAsync(connection, tx, SqlStatement.Of(
                "UPDATE omni_identity_handles SET identity_id = @s WHERE identity_id = @m", ("@s", survivor), ("@m", merged)));
            // Keep merged_into pointing at the final survivor so one hop always resolves (no chains).
            await EventDatabase.ExecuteAsync(connection, tx, SqlStatement.Of(
                "UPDATE omni_identities SET merged_into = @s, updated_at = @now WHERE id = @m OR merged_into = @m",
                ("@s", survivor), ("@now", now), ("@m", merged)));
            await EventDatabase.ExecuteAsync(connection, tx, SqlStatement.Of(
                "UPDATE omni_identities SET updated_at = @now WHERE id = @s", ("@now", now), ("@s", survivor)));
            return survivor;
        }, cancellationToken);

    /// <summary>The identity with its handles (the survivor's, for a merged id), or null.</summary>
    public async Task<IdentityInfo?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        var rows = await db.QueryAsync(SqlStatement.Of(
            "SELECT i.id, i.display_name, i.created_at, i.updated_at FROM omni_identities i " +
            "WHERE i.id = (SELECT COALESCE(merged_into, id) FROM omni_identities WHERE id = @id)", ("@id", id)),
            r => (Id: r.GetString(0), Name: r.NullableString(1), Created: Convert.ToInt64(r.GetValue(2), CultureInfo.InvariantCulture),
                Updated: Convert.ToInt64(r.GetValue(3), CultureInfo.InvariantCulture)), cancellationToken);
        if (rows.Count == 0)
        {
            return null;
        }
        var row = rows[0];
        var handles = await db.QueryAsync(SqlStatement.Of(
            "SELECT provider, handle FROM omni_identity_handles WHERE identity_id = @id ORDER BY provider, handle", ("@id", row.Id)),
            r => new IdentityHandle(r.GetString(0), r.GetString(1)), cancellationToken);
        var merged = await db.QueryAsync(SqlStatement.Of(
            "SELECT id FROM omni_identities WHERE merged_into = @id ORDER BY id", ("@id", row.Id)), r => r.GetString(0), cancellationToken);
        return new IdentityInfo
        {
            Id = row.Id,
            DisplayName = row.Name,
            Handles = handles,
            Merged = merged,
            CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(row.Created),
            UpdatedAt = DateTimeOffset.FromUnixTimeMilliseconds(row.Updated),
        };
    }

    private static async Task<string?> CurrentIdAsync(DbConnection connection, DbTransaction tx, string id) =>
        await EventDatabase.ScalarAsync(connection, tx, SqlStatement.Of("SELECT COALESCE(merged_into, id) FROM omni_identities WHERE id = @id", ("@id", id))) as string;
}
