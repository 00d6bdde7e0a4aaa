using System.Text.Json;
using OmniActors.Errors;
using OmniActors.Schedules;
using OmniActors.Tasks;

namespace OmniActors.Silo.Api;

/// <summary><c>/api/schedules</c>: create or update, list, read, pause, resume, trigger, delete, and the history of fires.</summary>
internal static class SchedulesEndpoints
{
    public static RouteGroupBuilder MapSchedules(this RouteGroupBuilder api)
    {
        var schedules = api.MapGroup("/schedules").WithTags("Schedules");
        schedules.MapPut("/{name}", Upsert).WithBodyLimit(RequestBodyLimits.OneTask).WithName("UpsertSchedule")
            .WithSummary("Create (201) or update (200) a cron, interval or one-shot schedule and its task template.");
        schedules.MapGet("/", List).WithName("ListSchedules").WithSummary("Every schedule with its next fire time, by name.");
        schedules.MapGet("/{name}", async (string name, IGrainFactory grains) =>
            ScheduleDto.From(await Schedule(grains, name).Get() ?? throw Missing(name))).WithName("GetSchedule");
        schedules.MapGet("/{name}/history", async (string name, int? limit, IGrainFactory grains) =>
            (await Schedule(grains, name).GetHistory(limit ?? 100)).Select(FireDto.From).ToList())
            .WithName("GetScheduleHistory").WithSummary("Recent fires, newest first, with the task each one enqueued.");
        schedules.MapPost("/{name}/pause", async (string name, IGrainFactory grains) =>
            ScheduleDto.From(await Schedule(grains, name).Pause())).WithName("PauseSchedule");
        schedules.MapPost("/{name}/resume", async (string name, IGrainFactory grains) =>
            ScheduleDto.From(await Schedule(grains, name).Resume())).WithName("ResumeSchedule")
            .WithSummary("Fire again; fires missed while paused follow the misfire policy.");
        schedules.MapPost("/{name}/trigger", async (string name, TriggerRequest? request, IGrainFactory grains) =>
            FireDto.From(await Schedule(grains, name).Trigger(request?.FireTime))).WithName("TriggerSchedule")
            .WithSummary("Fire now (or as the fire of fireTime: repeating it never enqueues a second task).");
        schedules.MapDelete("/{name}", async (string name, IGrainFactory grains) =>
        {
            await Schedule(grains, name).Delete();
            return TypedResults.NoContent();
        }).WithName("DeleteSchedule");
        return api;
    }

    private static async Task<IResult> Upsert(string name, ScheduleRequest? request, IGrainFactory grains)
    {
        var spec = (request ?? throw new TaskValidationException("A JSON body is required.")).ToSpec();
        var result = await Schedule(grains, name).Upsert(spec);
        var dto = ScheduleDto.From(result.Schedule);
        return result.Created ? TypedResults.Created($"/api/schedules/{Uri.EscapeDataString(name)}", dto) : TypedResults.Ok(dto);
    }

    private static async Task<IReadOnlyList<ScheduleDto>> List(IGrainFactory grains)
    {
        var names = await grains.GetGrain<IScheduleIndexGrain>(0).List();
        var schedules = await Task.WhenAll(names.Select(n => grains.GetGrain<IScheduleGrain>(n).Get()));
        // A name whose schedule is gone (deleted, or a create that crashed half-way) is not a schedule.
        return schedules.OfType<ScheduleInfo>().Select(ScheduleDto.From).ToList();
    }

    private static IScheduleGrain Schedule(IGrainFactory grains, string name) => grains.GetGrain<IScheduleGrain>(name);

    private static NotFoundException Missing(string name) => new($"Schedule {name} does not exist.");
}

/// <summary>Body of <c>PUT /api/schedules/{name}</c>: exactly one of <c>cron</c>, <c>intervalSeconds</c>, <c>at</c>, and the task.</summary>
public sealed record ScheduleRequest
{
    /// <summary>Cron expression, six fields with seconds or the classic five.</summary>
    public string? Cron { get; init; }
    /// <summary>IANA time zone of the cron expression; UTC when omitted.</summary>
    public string? TimeZone { get; init; }
    /// <summary>Fixed interval in seconds (at least 1).</summary>
    public double? IntervalSeconds { get; init; }
    /// <summary>First fire of an interval schedule; one interval from now when omitted.</summary>
    public DateTimeOffset? StartAt { get; init; }
    /// <summary>One-shot fire time.</summary>
    public DateTimeOffset? At { get; init; }
    /// <summary>The task each fire enqueues (as for <c>POST /api/tasks</c>, without idempotency key or runAt).</summary>
    public EnqueueRequest? Task { get; init; }
    /// <summary><c>fire_once_now</c> (default), <c>skip_to_next</c> or <c>fire_all</c>.</summary>
    public MisfirePolicy? Misfire { get; init; }
    /// <summary><c>skip</c> (default), <c>allow</c> or <c>buffer_one</c>.</summary>
    public OverlapPolicy? Overlap { get; init; }
    /// <summary>Under <c>fire_all</c>: most missed fires caught up at once (default 100).</summary>
    public int? MaxCatchUp { get; init; }

    /// <summary>The spec this request asks for.</summary>
    public ScheduleSpec ToSpec()
    {
        var template = Task ?? throw new TaskValidationException("\"task\" is required: the task each fire enqueues.");
        return new ScheduleSpec
        {
            Cron = Cron,
            TimeZone = TimeZone,
            Interval = EnqueueRequest.Seconds(IntervalSeconds, "intervalSeconds"),
            StartAt = StartAt,
            At = At,
            Template = template.ToSpec(null),
            Misfire = Misfire ?? MisfirePolicy.FireOnceNow,
            Overlap = Overlap ?? OverlapPolicy.Skip,
            MaxCatchUp = MaxCatchUp ?? ScheduleSpec.DefaultMaxCatchUp,
        };
    }
}

/// <summary>Body of <c>POST /api/schedules/{name}/trigger</c> (optional).</summary>
public sealed record TriggerRequest(DateTimeOffset? FireTime);

/// <summary>A schedule as the API shows it.</summary>
public sealed record ScheduleDto
{
    public required string Name { get; init; }
    public ScheduleKind Kind { get; init; }
    public string? Cron { get; init; }
    public string? TimeZone { get; init; }
    public double? IntervalSeconds { get; init; }
    public DateTimeOffset? StartAt { get; init; }
    public DateTimeOffset? At { get; init; }
    public required ScheduleTaskDto Task { get; init; }
    public MisfirePolicy Misfire { get; init; }
    public OverlapPolicy Overlap { get; init; }
    public int MaxCatchUp { get; init; }
    public bool Paused { get; init; }
    public bool Completed { get; init; }
    public DateTimeOffset? NextFireAt { get; init; }
    public DateTimeOffset? LastFireAt { get; init; }
    public string? LastTaskId { get; init; }
    public DateTimeOffset? BufferedFireAt { get; init; }
    public long FireCount { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Maps a schedule.</summary>
    public static ScheduleDto From(ScheduleInfo s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return new ScheduleDto
        {
            Name = s.Name,
            Kind = s.Kind,
            Cron = s.Spec.Cron,
            TimeZone = s.Spec.TimeZone,
            IntervalSeconds = s.Spec.Interval?.TotalSeconds,
            StartAt = s.Spec.StartAt,
            At = s.Spec.At,
            Task = ScheduleTaskDto.From(s.Spec.Template),
            Misfire = s.Spec.Misfire,
            Overlap = s.Spec.Overlap,
            MaxCatchUp = s.Spec.MaxCatchUp,
            Paused = s.Paused,
            Completed = s.Completed,
            NextFireAt = s.NextFireAt,
            LastFireAt = s.LastFireAt,
            LastTaskId = s.LastTaskId,
            BufferedFireAt = s.BufferedFireAt,
            FireCount = s.FireCount,
            CreatedAt = s.CreatedAt,
            UpdatedAt = s.UpdatedAt,
        };
    }
}

/// <summary>A schedule's task template as the API shows it.</summary>
public sealed record ScheduleTaskDto
{
    public required string Action { get; init; }
    public JsonElement? Payload { get; init; }
    public string? Queue { get; init; }
    public int Priority { get; init; }
    public double? DelaySeconds { get; init; }
    public double? TimeoutSeconds { get; init; }
    public RetryRequest? Retry { get; init; }
    public double? ResultTtlSeconds { get; init; }

    /// <summary>Maps a template.</summary>
    public static ScheduleTaskDto From(TaskSpec t)
    {
        ArgumentNullException.ThrowIfNull(t);
        return new ScheduleTaskDto
        {
            Action = t.Action,
            Payload = t.Payload is null ? null : Json(t.Payload),
            Queue = t.Queue,
            Priority = t.Priority,
            DelaySeconds = t.Delay?.TotalSeconds,
            TimeoutSeconds = t.Timeout?.TotalSeconds,
            Retry = t.Retry is { } r
                ? new RetryRequest
                {
                    MaxAttempts = r.MaxAttempts,
                    InitialDelaySeconds = r.InitialDelay.TotalSeconds,
                    MaxDelaySeconds = r.MaxDelay.TotalSeconds,
                    Multiplier = r.Multiplier,
                    NonRetryableErrors = [.. r.NonRetryableErrors],
                }
                : null,
            ResultTtlSeconds = t.ResultTtl?.TotalSeconds,
        };
    }

    private static JsonElement Json(string text)
    {
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.Clone();
    }
}

/// <summary>One fire of a schedule as the API shows it.</summary>
public sealed record FireDto
{
    public DateTimeOffset FireTime { get; init; }
    public FireOutcome Outcome { get; init; }
    public string? TaskId { get; init; }
    public DateTimeOffset RecordedAt { get; init; }
    public int Count { get; init; }
    public bool Manual { get; init; }
    public string? Detail { get; init; }

    /// <summary>Maps a fire.</summary>
    public static FireDto From(ScheduleFire f)
    {
        ArgumentNullException.ThrowIfNull(f);
        return new FireDto
        {
            FireTime = f.FireTime,
            Outcome = f.Outcome,
            TaskId = f.TaskId,
            RecordedAt = f.RecordedAt,
            Count = f.Count,
            Manual = f.Manual,
            Detail = f.Detail,
        };
    }
}
