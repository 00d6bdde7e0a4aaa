using System.Text.Json.Serialization;
using OmniActors.Actions;
using OmniActors.Domain;
using OmniActors.Errors;
using OmniActors.Routing;

namespace OmniActors.Silo.Api;

/// <summary><c>/api/routes</c>: routing rules that turn events into queued actions.</summary>
internal static class RoutesEndpoints
{
    public static RouteGroupBuilder MapRoutes(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/routes").WithTags("Routing");
        group.MapGet("/", List).WithName("ListRoutes");
        group.MapPost("/", Create).Accepts<RouteRequest>("application/json").WithName("CreateRoute").WithSummary("Create a rule (400 on an invalid regex, template or unknown action).");
        group.MapGet("/{id}", Get).WithName("GetRoute");
        group.MapPut("/{id}", Replace).Accepts<RouteRequest>("application/json").WithName("ReplaceRoute");
        group.MapDelete("/{id}", Delete).WithName("DeleteRoute");
        return api;
    }

    private static async Task<IResult> List(RouteRules rules, CancellationToken cancellationToken) =>
        TypedResults.Json(new { items = await rules.ListAsync(cancellationToken) }, EventApiJson.Options);

    private static async Task<IResult> Get(string id, RouteRules rules, CancellationToken cancellationToken) =>
        TypedResults.Json(await rules.GetAsync(id, cancellationToken) ?? throw new NotFoundException($"Route {id} does not exist."), EventApiJson.Options);

    private static async Task<IResult> Create(HttpRequest request, RouteRules rules, ActionRegistry actions)
    {
        var body = await EventApiJson.ReadAsync<RouteRequest>(request);
        var rule = await rules.CreateAsync(body.ToRule(body.Id ?? "rt" + Guid.CreateVersion7().ToString("N"), actions), request.HttpContext.RequestAborted);
        return TypedResults.Json(rule, EventApiJson.Options, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> Replace(string id, HttpRequest request, RouteRules rules, ActionRegistry actions)
    {
        var body = await EventApiJson.ReadAsync<RouteRequest>(request);
        return TypedResults.Json(await rules.UpdateAsync(body.ToRule(id, actions), request.HttpContext.RequestAborted), EventApiJson.Options);
    }

    private static async Task<IResult> Delete(string id, RouteRules rules, CancellationToken cancellationToken) =>
        await rules.DeleteAsync(id, cancellationToken) ? TypedResults.NoContent() : throw new NotFoundException($"Route {id} does not exist.");

    /// <summary>Body of create and replace. The payload template is any JSON value (default: the canonical event).</summary>
    internal sealed record RouteRequest(string? Id, string? Name, string? Provider, string? Instance,
        [property: JsonPropertyName("event_type")] string? EventType,
        [property: JsonPropertyName("content_type")] string? ContentType,
        [property: JsonPropertyName("text_prefix")] string? TextPrefix,
        [property: JsonPropertyName("text_regex")] string? TextRegex,
        string? Action, string? Queue,
        [property: JsonPropertyName("payload_template")] System.Text.Json.JsonElement? PayloadTemplate,
        bool? Enabled,
        [property: JsonPropertyName("delivery_status")] string? DeliveryStatus = null)
    {
        public RouteRule ToRule(string id, ActionRegistry actions)
        {
            if (string.IsNullOrWhiteSpace(id) || id.Length > TextLimits.Id || id.Any(char.IsControl))
            {
                throw new TaskValidationException(ErrorCodes.Validation, $"\"id\" must be 1 to {TextLimits.Id} characters, not blank, without control characters.");
            }
            var action = EventApiJson.Required(Action, "action");
            if (!actions.Contains(action))
            {
                throw new TaskValidationException(ErrorCodes.UnknownAction, $"Action '{Names.Shorten(action)}' is not registered on this cluster.");
            }
            var template = PayloadTemplate is { ValueKind: not System.Text.Json.JsonValueKind.Undefined and not System.Text.Json.JsonValueKind.Null } t
                ? t.GetRawText()
                : null;
            if (template is not null && System.Text.Encoding.UTF8.GetByteCount(template) > TextLimits.TemplateBytes)
            {
                throw new TaskValidationException(ErrorCodes.Validation, $"\"payload_template\" is at most {TextLimits.TemplateBytes} bytes.");
            }
            return new RouteRule
            {
                Id = id,
                Name = Text.AtMost("name", Name, TextLimits.Label) ?? id,
                Provider = Names.CheckOptional("provider", Provider),
                Instance = Names.CheckOptional("instance", Instance),
                EventType = Text.AtMost("event_type", Blank(EventType), TextLimits.Filter),
                ContentType = Text.AtMost("content_type", Blank(ContentType), TextLimits.Filter),
                DeliveryStatus = Text.AtMost("delivery_status", Blank(DeliveryStatus), TextLimits.Filter),
                TextPrefix = Text.AtMost("text_prefix", string.IsNullOrEmpty(TextPrefix) ? null : TextPrefix, TextLimits.Pattern),
                TextRegex = Text.AtMost("text_regex", string.IsNullOrEmpty(TextRegex) ? null : TextRegex, TextLimits.Pattern),
                Action = action,
                Queue = Names.CheckOptional("queue", Queue),
                PayloadTemplate = template,
                Enabled = Enabled ?? true,
            };
        }

        private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
    }
}
