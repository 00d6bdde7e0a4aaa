using System.Text.Json.Serialization;
using OmniActors.Domain;
using OmniActors.Errors;
using OmniActors.Webhooks;
using OmniActors.Webhooks.Providers;

namespace OmniActors.Silo.Api;

/// <summary><c>/api/webhook-instances</c>: configure provider instances. Secrets go in and never come back out.</summary>
internal static class WebhookInstancesEndpoints
{
    public static RouteGroupBuilder MapWebhookInstances(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/webhook-instances").WithTags("Webhooks");
        group.MapGet("/", List).WithName("ListWebhookInstances");
        group.MapPost("/", Create).Accepts<WebhookInstanceRequest>("application/json").WithName("CreateWebhookInstance").WithSummary("Create an instance (409 when it exists).");
        group.MapGet("/{provider}/{instance}", Get).WithName("GetWebhookInstance");
        group.MapPut("/{provider}/{instance}", Put).Accepts<WebhookInstanceRequest>("application/json").WithName("PutWebhookInstance").WithSummary("Create or replace an instance.");
        group.MapDelete("/{provider}/{instance}", Delete).WithName("DeleteWebhookInstance");
        return api;
    }

    private static async Task<IResult> List(WebhookInstances instances, CancellationToken cancellationToken) =>
        TypedResults.Json(new { items = (await instances.ListAsync(cancellationToken)).Select(WebhookInstanceDto.From) }, EventApiJson.Options);

    private static async Task<IResult> Get(string provider, string instance, WebhookInstances instances, CancellationToken cancellationToken) =>
        TypedResults.Json(WebhookInstanceDto.From(await instances.GetAsync(provider, instance, cancellationToken)
            ?? throw new NotFoundException($"No {provider} instance is named '{instance}'.")), EventApiJson.Options);

    private static async Task<IResult> Create(HttpRequest request, WebhookInstances instances, WebhookProviders providers)
    {
        var body = await EventApiJson.ReadAsync<WebhookInstanceRequest>(request);
        var secrets = body.ToSecrets(providers, body.Provider, body.Instance);
        if (await instances.GetAsync(secrets.Provider, secrets.Instance, request.HttpContext.RequestAborted) is not null)
        {
            throw new ConflictException($"Instance {secrets.Provider}/{secrets.Instance} already exists; PUT replaces it.");
        }
        var (stored, _) = await instances.UpsertAsync(secrets, body.Enabled ?? true, request.HttpContext.RequestAborted);
        return TypedResults.Json(WebhookInstanceDto.From(stored), EventApiJson.Options, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> Put(string provider, string instance, HttpRequest request, WebhookInstances instances, WebhookProviders providers)
    {
        var body = await EventApiJson.ReadAsync<WebhookInstanceRequest>(request);
        var secrets = body.ToSecrets(providers, provider, instance);
        var (stored, created) = await instances.UpsertAsync(secrets, body.Enabled ?? true, request.HttpContext.RequestAborted);
        return TypedResults.Json(WebhookInstanceDto.From(stored), EventApiJson.Options,
            statusCode: created ? StatusCodes.Status201Created : StatusCodes.Status200OK);
    }

    private static async Task<IResult> Delete(string provider, string instance, WebhookInstances instances, CancellationToken cancellationToken) =>
        await instances.DeleteAsync(provider, instance, cancellationToken)
            ? TypedResults.NoContent()
            : throw new NotFoundException($"No {provider} instance is named '{instance}'.");

    /// <summary>Body of create and replace.</summary>
    internal sealed record WebhookInstanceRequest(string? Provider, string? Instance, string? Secret,
        [property: JsonPropertyName("verify_token")] string? VerifyToken, bool? Enabled)
    {
        public WebhookInstanceSecrets ToSecrets(WebhookProviders providers, string? provider, string? instance)
        {
            var p = EventApiJson.Required(provider, "provider");
            var i = Names.Check("instance", EventApiJson.Required(instance, "instance"));
            if (!providers.TryGet(p, out var known))
            {
                throw new TaskValidationException(ErrorCodes.Validation, $"\"provider\" '{Names.Shorten(p)}' is not one of: {string.Join(", ", providers.Names.Order(StringComparer.Ordinal))}.");
            }
            return new WebhookInstanceSecrets(known.Name, i, Text.Required("secret", Secret, TextLimits.Secret),
                string.IsNullOrEmpty(VerifyToken) ? null : Text.AtMost("verify_token", VerifyToken, TextLimits.Secret));
        }
    }

    /// <summary>An instance as shown: never its secret or verify token.</summary>
    internal sealed record WebhookInstanceDto(string Provider, string Instance, string Url, bool HasVerifyToken, bool Enabled, string Source,
        DateTimeOffset? CreatedAt, DateTimeOffset? UpdatedAt)
    {
        public static WebhookInstanceDto From(WebhookInstanceInfo i) =>
            new(i.Provider, i.Instance, $"/webhooks/{i.Provider}/{i.Instance}", i.HasVerifyToken, i.Enabled, i.Source, i.CreatedAt, i.UpdatedAt);
    }
}
