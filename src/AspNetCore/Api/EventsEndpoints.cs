using System.Text.Json;
using OmniActors.Errors;
using OmniActors.Routing;
using OmniActors.Webhooks;

namespace OmniActors.Silo.Api;

/// <summary><c>/api/events</c>: recent canonical events, paged; one event with its raw payload.</summary>
internal static class EventsEndpoints
{
    public static RouteGroupBuilder MapEvents(this RouteGroupBuilder api)
    {
        var events = api.MapGroup("/events").WithTags("Events");
        events.MapGet("/", List).WithName("ListEvents").WithSummary("Recent events by instance, chat, identity, delivery status and time range, newest first, paged.");
        events.MapGet("/{id}", Get).WithName("GetEvent").WithSummary("One event with its raw payload (null once purged by retention).");
        return api;
    }

    private static async Task<IResult> List(string? instance, string? chat, string? identity, DateTimeOffset? from, DateTimeOffset? to, int? limit,
        string? cursor, [Microsoft.AspNetCore.Mvc.FromQuery(Name = "delivery_status")] string? deliveryStatus, EventStore store, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > 500)
        {
            throw new TaskValidationException(ErrorCodes.Validation, "\"limit\" must be between 1 and 500.");
        }
        var page = await store.ListAsync(new EventQuery
        {
            Instance = instance,
            Chat = chat,
            DeliveryStatus = string.IsNullOrEmpty(deliveryStatus) ? null : Text.AtMost("delivery_status", deliveryStatus, Domain.TextLimits.Filter),
            Identity = identity,
            From = from,
            To = to,
            Limit = limit ?? 50,
            Cursor = cursor,
        }, cancellationToken);
        return Page(page);
    }

    internal static IResult Page(EventPage page) =>
        TypedResults.Json(new { items = page.Items.Select(EventPayload.ToJson), next_cursor = page.NextCursor }, EventApiJson.Options);

    private static async Task<IResult> Get(string id, EventStore store, CancellationToken cancellationToken)
    {
        var e = await store.GetEventAsync(id, cancellationToken) ?? throw new NotFoundException($"Event {id} does not exist.");
        var json = EventPayload.ToJson(e);
        // The processing state (pending, processed), named so nobody reads it as a message's delivery state.
        json["processing_status"] = e.Status;
        json["retry_count"] = e.RetryCount;
        json["processed_at"] = e.ProcessedAt?.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        if (e.RawId is not null && await store.GetRawAsync(e.RawId, cancellationToken) is { } raw)
        {
            using var body = JsonDocument.Parse(raw.Body);
            json["raw"] = new System.Text.Json.Nodes.JsonObject
            {
                ["id"] = raw.Id,
                ["received_at"] = raw.ReceivedAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
                ["verified"] = true,
                ["body"] = System.Text.Json.Nodes.JsonNode.Parse(body.RootElement.GetRawText()),
            };
        }
        else
        {
            // Purged by the raw retention (the event keeps its reference, which no longer resolves).
            json["raw_id"] = null;
            json["raw"] = null;
        }
        return TypedResults.Content(json.ToJsonString(), "application/json");
    }
}
