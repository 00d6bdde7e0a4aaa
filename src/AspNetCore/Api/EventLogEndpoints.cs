using System.Globalization;
using OmniActors.Errors;
using OmniActors.Lifecycle;
using OmniActors.Tasks;

namespace OmniActors.Silo.Api;

/// <summary><c>/api/event-log</c> and <c>/api/tasks/{id}/history</c>: the durable event log, paged by sequence.</summary>
internal static class EventLogEndpoints
{
    /// <summary>Longest filter value accepted (ids and queue names are far shorter).</summary>
    private const int MaxFilterLength = 400;

    public static RouteGroupBuilder MapEventLog(this RouteGroupBuilder api)
    {
        api.MapGet("/event-log", Query).WithTags("Events").WithName("QueryEventLog")
            .WithSummary("Lifecycle events in sequence order, filtered by task, queue, type, kind and time; paged by cursor.");
        api.MapGet("/tasks/{id}/history", History).WithTags("Tasks").WithName("GetTaskHistory")
            .WithSummary("A task's lifecycle events in order.");
        return api;
    }

    private static async Task<EventLogPageDto> Query(string? task, string? queue, string? type, string? kind, DateTimeOffset? from,
        DateTimeOffset? to, int? limit, string? cursor, EventLogStore log, CancellationToken cancellationToken)
    {
        var query = Filter(task, queue, type, kind, from, to) with { Limit = Limit(limit), After = Cursor(cursor) };
        return EventLogPageDto.From(await log.QueryAsync(query, cancellationToken));
    }

    private static async Task<EventLogPageDto> History(string id, int? limit, string? cursor, EventLogStore log, IGrainFactory grains,
        CancellationToken cancellationToken)
    {
        var query = Filter(id, null, null, null, null, null) with { Limit = Limit(limit ?? EventLogQuery.MaxLimit), After = Cursor(cursor) };
        var page = await log.QueryAsync(query, cancellationToken);
        if (page.Items.Count == 0 && query.After == 0 && await grains.GetGrain<ITaskGrain>(id).Get() is null)
        {
            throw new NotFoundException($"Task {id} does not exist and has no history.");
        }
        return EventLogPageDto.From(page);
    }

    /// <summary>Validates the filter shared by the event log query and the event stream.</summary>
    public static EventLogQuery Filter(string? task, string? queue, string? type, string? kind, DateTimeOffset? from, DateTimeOffset? to)
    {
        Check("task", task);
        Check("queue", queue);
        if (type is not null && !LifecycleEventTypes.All.Contains(type))
        {
            throw new TaskValidationException(EventLogErrorCodes.InvalidType,
                $"Unknown event type '{Shorten(type)}'; known types: {string.Join(", ", LifecycleEventTypes.All.Order(StringComparer.Ordinal))}.");
        }
        LifecycleKind? parsedKind = kind is null ? null : LifecycleEventTypes.ParseKind(kind)
            ?? throw new TaskValidationException(EventLogErrorCodes.InvalidKind, $"Unknown event kind '{Shorten(kind)}'; use task, schedule, webhook or approval.");
        if (from is not null && to is not null && from >= to)
        {
            throw new TaskValidationException(EventLogErrorCodes.InvalidRange, "\"from\" must be before \"to\".");
        }
        return new EventLogQuery { Subject = task, Queue = queue, Type = type, Kind = parsedKind, From = from, To = to };
    }

    private static int Limit(int? limit) => limit switch
    {
        null => 100,
        < 1 or > EventLogQuery.MaxLimit => throw new TaskValidationException(EventLogErrorCodes.InvalidLimit,
            $"\"limit\" must be between 1 and {EventLogQuery.MaxLimit}."),
        { } l => l,
    };

    /// <summary>A cursor (or Last-Event-ID) is an event-log sequence: a non-negative integer.</summary>
    public static long Cursor(string? cursor, string name = "cursor", string code = EventLogErrorCodes.InvalidCursor)
    {
        if (cursor is null)
        {
            return 0;
        }
        if (cursor.Length > 19 || !long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var after))
        {
            throw new TaskValidationException(code, $"\"{name}\" must be an event sequence number (a non-negative integer); got '{Shorten(cursor)}'.");
        }
        return after;
    }

    private static void Check(string name, string? value)
    {
        if (value is not null && (value.Length == 0 || value.Length > MaxFilterLength))
        {
            throw new TaskValidationException(EventLogErrorCodes.InvalidFilter, $"\"{name}\" must be 1 to {MaxFilterLength} characters.");
        }
    }

    private static string Shorten(string value) => value.Length > 40 ? value[..40] + "…" : value;
}

/// <summary>Codes of the event log's and event stream's problems.</summary>
internal static class EventLogErrorCodes
{
    public const string InvalidType = "invalid_event_type";
    public const string InvalidKind = "invalid_event_kind";
    public const string InvalidRange = "invalid_time_range";
    public const string InvalidLimit = "invalid_limit";
    public const string InvalidCursor = "invalid_cursor";
    public const string InvalidLastEventId = "invalid_last_event_id";
    public const string InvalidFilter = "invalid_filter";
    public const string InvalidBackfill = "invalid_backfill";
    public const string InvalidSnapshots = "invalid_snapshots";
    public const string WebSocketExpected = "websocket_expected";
    public const string TooManyStreams = "too_many_event_streams";
}

/// <summary>A page of the event log; pass <see cref="NextCursor"/> back as <c>cursor</c> for the next page.</summary>
public sealed record EventLogPageDto(IReadOnlyList<LifecycleEvent> Items, string? NextCursor)
{
    internal static EventLogPageDto From(EventLogPage page) =>
        new(page.Items, page.NextCursor?.ToString(CultureInfo.InvariantCulture));
}
