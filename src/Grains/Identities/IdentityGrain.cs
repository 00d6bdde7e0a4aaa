using OmniActors.Errors;

namespace OmniActors.Identities;

/// <summary>One person (key: identity id). Link and merge are serialized per survivor by this activation; the rows are the truth.</summary>
internal sealed class IdentityGrain(IdentityStore store, IdentityDirectory directory) : Grain, IIdentityGrain
{
    private string Id => this.GetPrimaryKeyString();

    public Task<IdentityInfo?> Get() => store.GetAsync(Id);

    public async Task<IdentityInfo> Link(IdentityHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        var self = await store.GetAsync(Id) ?? throw new NotFoundException($"Identity {Id} does not exist.");
        if (self.Id != Id)
        {
            return await GrainFactory.GetGrain<IIdentityGrain>(self.Id).Link(handle);
        }
        var owner = await store.ClaimAsync(Id, handle);
        if (owner != Id)
        {
            throw new ConflictException(IdentityErrorCodes.HandleTaken,
                $"Handle {handle.Provider}/{handle.Handle} belongs to identity {owner}; merge the two identities instead.");
        }
        directory.Remember(handle, Id);
        return await store.GetAsync(Id) ?? throw new NotFoundException($"Identity {Id} does not exist.");
    }

    public async Task<IdentityInfo> Merge(string otherId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(otherId);
        var self = await store.GetAsync(Id) ?? throw new NotFoundException($"Identity {Id} does not exist.");
        if (self.Id != Id)
        {
            return await GrainFactory.GetGrain<IIdentityGrain>(self.Id).Merge(otherId);
        }
        var survivor = await store.MergeAsync(Id, otherId);
        directory.Evict(otherId);
        return await store.GetAsync(survivor) ?? throw new NotFoundException($"Identity {survivor} does not exist.");
    }
}

