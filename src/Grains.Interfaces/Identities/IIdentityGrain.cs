namespace OmniActors.Identities;

/// <summary>A provider-native handle of a person: (provider, handle), e.g. (<c>whatsapp</c>, <c>5511999990000</c>).</summary>
[GenerateSerializer, Alias("omni.IdentityHandle")]
public sealed record IdentityHandle([property: Id(0)] string Provider, [property: Id(1)] string Handle);

/// <summary>A person across providers.</summary>
[GenerateSerializer, Alias("omni.IdentityInfo")]
public sealed record IdentityInfo
{
    /// <summary>The stable identity id (the survivor's id when the one asked for was merged).</summary>
    [Id(0)] public required string Id { get; init; }
    /// <summary>The display name first seen or last set.</summary>
    [Id(1)] public string? DisplayName { get; init; }
    /// <summary>The handles that resolve to this identity.</summary>
    [Id(2)] public IReadOnlyList<IdentityHandle> Handles { get; init; } = [];
    /// <summary>Identities merged into this one; they forward here.</summary>
    [Id(3)] public IReadOnlyList<string> Merged { get; init; } = [];
    /// <summary>When it was created.</summary>
    [Id(4)] public DateTimeOffset CreatedAt { get; init; }
    /// <summary>When it last changed.</summary>
    [Id(5)] public DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>One person (key: identity id). A merged identity forwards every call to the identity it was merged into.</summary>
public interface IIdentityGrain : IGrainWithStringKey
{
    /// <summary>The identity (the survivor's, for a merged one), or null when it does not exist.</summary>
    Task<IdentityInfo?> Get();

    /// <summary>Adds a handle. Linking a handle this identity already has changes nothing; one owned by another identity is a
    /// conflict (merge the two instead).</summary>
    Task<IdentityInfo> Link(IdentityHandle handle);

    /// <summary>Merges <paramref name="otherId"/> into this identity: its handles move here and it forwards here from now on.</summary>
    Task<IdentityInfo> Merge(string otherId);
}

/// <summary>Error codes of identity calls.</summary>
public static class IdentityErrorCodes
{
    /// <summary>The handle already belongs to another identity.</summary>
    public const string HandleTaken = "handle_taken";
}
