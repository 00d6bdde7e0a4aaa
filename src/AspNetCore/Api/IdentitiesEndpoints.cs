using System.Text.Json.Serialization;
using OmniActors.Domain;
using OmniActors.Errors;
using OmniActors.Identities;
using OmniActors.Webhooks;

namespace OmniActors.Silo.Api;

/// <summary><c>/api/identities</c>: resolve a handle, read an identity, link handles, merge identities, list its events.</summary>
internal static class IdentitiesEndpoints
{
    public static RouteGroupBuilder MapIdentities(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/identities").WithTags("Identities");
        group.MapPost("/resolve", Resolve).Accepts<HandleRequest>("application/json").WithName("ResolveIdentity").WithSummary("The identity of (provider, handle), created on first sight.");
        group.MapGet("/{id}", Get).WithName("GetIdentity").WithSummary("An identity with its handles (a merged id answers with its survivor).");
        group.MapPost("/{id}/handles", Link).Accepts<HandleRequest>("application/json").WithName("LinkHandle").WithSummary("Link a handle (409 handle_taken when another identity has it).");
        group.MapPost("/{id}/merge", Merge).Accepts<MergeRequest>("application/json").WithName("MergeIdentity").WithSummary("Merge another identity into this one.");
        group.MapGet("/{id}/events", Events).WithName("ListIdentityEvents").WithSummary("The identity's events (merged identities' included), newest first.");
        return api;
    }

    private static async Task<IResult> Resolve(HttpRequest request, IdentityDirectory directory, IGrainFactory grains)
    {
        var body = await EventApiJson.ReadAsync<HandleRequest>(request);
        var id = await directory.ResolveAsync(body.ToHandle(), Text.AtMost("display_name", body.DisplayName, TextLimits.Handle), request.HttpContext.RequestAborted);
        return Json(await grains.GetGrain<IIdentityGrain>(id).Get() ?? throw new NotFoundException($"Identity {id} does not exist."));
    }

    private static async Task<IResult> Get(string id, IGrainFactory grains) =>
        Json(await grains.GetGrain<IIdentityGrain>(id).Get() ?? throw new NotFoundException($"Identity {id} does not exist."));

    private static async Task<IResult> Link(string id, HttpRequest request, IGrainFactory grains)
    {
        var body = await EventApiJson.ReadAsync<HandleRequest>(request);
        return Json(await grains.GetGrain<IIdentityGrain>(id).Link(body.ToHandle()));
    }

    private static async Task<IResult> Merge(string id, HttpRequest request, IGrainFactory grains)
    {
        var body = await EventApiJson.ReadAsync<MergeRequest>(request);
        var other = Text.Required("identity_id", body.IdentityId, TextLimits.Id);
        return Json(await grains.GetGrain<IIdentityGrain>(id).Merge(other));
    }

    private static async Task<IResult> Events(string id, int? limit, string? cursor, EventStore store, IGrainFactory grains, CancellationToken cancellationToken)
    {
        var identity = await grains.GetGrain<IIdentityGrain>(id).Get() ?? throw new NotFoundException($"Identity {id} does not exist.");
        if (limit is < 1 or > 500)
        {
            throw new TaskValidationException(ErrorCodes.Validation, "\"limit\" must be between 1 and 500.");
        }
        return EventsEndpoints.Page(await store.ListAsync(new EventQuery { Identity = identity.Id, Limit = limit ?? 50, Cursor = cursor }, cancellationToken));
    }

    private static Microsoft.AspNetCore.Http.HttpResults.JsonHttpResult<IdentityInfo> Json(IdentityInfo identity) => TypedResults.Json(identity, EventApiJson.Options);

    /// <summary>A handle in a body.</summary>
    internal sealed record HandleRequest(string? Provider, string? Handle, [property: JsonPropertyName("display_name")] string? DisplayName)
    {
        public IdentityHandle ToHandle() =>
            new(Names.Check("provider", EventApiJson.Required(Provider, "provider")), Text.Required("handle", Handle, TextLimits.Handle));
    }

    /// <summary>Body of a merge: the identity to merge into this one.</summary>
    internal sealed record MergeRequest([property: JsonPropertyName("identity_id")] string? IdentityId);
}
