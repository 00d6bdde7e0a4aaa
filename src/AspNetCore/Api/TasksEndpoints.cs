using Microsoft.AspNetCore.Mvc;
using OmniActors.Errors;
using OmniActors.Tasks;

namespace OmniActors.Silo.Api;

/// <summary><c>/api/tasks</c>: enqueue, read, list, wait for and cancel tasks.</summary>
internal static class TasksEndpoints
{
    private static readonly TimeSpan MaxWaitPerCall = TimeSpan.FromSeconds(20);

    /// <summary>Longest <c>waitSeconds</c> honoured; a longer wait is cut to it.</summary>
    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(120);

    public static RouteGroupBuilder MapTasks(this RouteGroupBuilder api)
    {
        var tasks = api.MapGroup("/tasks").WithTags("Tasks");
        tasks.MapPost("/", Enqueue).WithBodyLimit(RequestBodyLimits.OneTask).WithName("EnqueueTask").WithSummary("Enqueue a task (idempotent under an idempotency key).");
        tasks.MapPost("/batch", EnqueueBatch).WithBodyLimit(RequestBodyLimits.Batch(api)).WithName("EnqueueTasks").WithSummary("Enqueue many tasks; each item succeeds or fails on its own.");
        tasks.MapGet("/", List).WithName("ListTasks").WithSummary("List tasks by queue and status, newest first, paged.");
        tasks.MapGet("/{id}", Get).WithName("GetTask");
        tasks.MapGet("/{id}/result", WaitForResult).WithName("WaitForTaskResult")
            .WithSummary("The task once it ended (200), or its current state after waitSeconds (202).");
        tasks.MapPost("/{id}/cancel", Cancel).WithName("CancelTask");
        return api;
    }

    private static async Task<IResult> Enqueue(EnqueueRequest? request, [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey, IGrainFactory grains)
    {
        // The request's trace (when recorded) goes with the task, so its attempts join it.
        var spec = TaskTrace.WithCurrentContext((request ?? throw new TaskValidationException("A JSON body is required.")).ToSpec(idempotencyKey));
        var result = await grains.GetGrain<ITaskIntakeGrain>(0).Submit(spec);
        var dto = TaskDto.From(result.Task);
        return result.Created
            ? TypedResults.Created($"/api/tasks/{dto.Id}", dto)
            : TypedResults.Ok(dto);
    }

    private static async Task<IResult> EnqueueBatch(BatchRequest? request, IGrainFactory grains)
    {
        if (request?.Tasks is not { Count: > 0 } items)
        {
            throw new TaskValidationException("\"tasks\" must be a non-empty array.");
        }
        var specs = new List<TaskSpec>(items.Count);
        var errors = new Dictionary<int, ErrorDto>();
        for (var i = 0; i < items.Count; i++)
        {
            try
            {
                specs.Add(TaskTrace.WithCurrentContext((items[i] ?? throw new TaskValidationException("A batch item is null.")).ToSpec(null)));
            }
            catch (TaskValidationException ex)
            {
                errors[i] = new ErrorDto(ex.Code, ex.Message);
                specs.Add(null!);
            }
        }
        var valid = specs.Where((_, i) => !errors.ContainsKey(i)).ToList();
        var results = valid.Count == 0 ? [] : await grains.GetGrain<ITaskIntakeGrain>(0).SubmitBatch(valid);
        var answer = new List<BatchItemDto>(items.Count);
        var next = 0;
        for (var i = 0; i < items.Count; i++)
        {
            if (errors.TryGetValue(i, out var error))
            {
                answer.Add(new BatchItemDto(null, false, error));
                continue;
            }
            var r = results[next++];
            answer.Add(r.Result is { } ok
                ? new BatchItemDto(TaskDto.From(ok.Task), ok.Created, null)
                : new BatchItemDto(null, false, new ErrorDto(r.ErrorCode!, r.ErrorMessage!)));
        }
        return TypedResults.Ok(answer);
    }

    private static async Task<TaskPageDto> List(string? queue, string? status, int? limit, string? cursor, IGrainFactory grains)
    {
        var page = await grains.GetGrain<ITaskQueryGrain>(0).List(new TaskQuery
        {
            Queue = queue,
            Status = TaskDto.ParseStatus(status),
            Limit = limit ?? 50,
            Cursor = cursor,
        });
        return new TaskPageDto(page.Items.Select(TaskDto.From).ToList(), page.NextCursor);
    }

    private static async Task<TaskDto> Get(string id, IGrainFactory grains) =>
        TaskDto.From(await grains.GetGrain<ITaskGrain>(id).Get() ?? throw new NotFoundException($"Task {id} does not exist."));

    private static async Task<IResult> WaitForResult(string id, double? waitSeconds, IGrainFactory grains, CancellationToken cancellationToken)
    {
        if (waitSeconds is { } asked && (!double.IsFinite(asked) || asked < 0))
        {
            throw new TaskValidationException($"\"waitSeconds\" must be a number of seconds from 0 to {MaxWait.TotalSeconds}; got {asked.ToString(System.Globalization.CultureInfo.InvariantCulture)}.");
        }
        var wait = TimeSpan.FromSeconds(Math.Min(waitSeconds ?? 0, MaxWait.TotalSeconds));
        var deadline = DateTimeOffset.UtcNow + wait;
        var grain = grains.GetGrain<ITaskGrain>(id);
        var task = await grain.Get() ?? throw new NotFoundException($"Task {id} does not exist.");
        while (!task.Status.IsTerminal() && DateTimeOffset.UtcNow < deadline && !cancellationToken.IsCancellationRequested)
        {
            var left = deadline - DateTimeOffset.UtcNow;
            task = await grain.WaitForEnd(left < MaxWaitPerCall ? left : MaxWaitPerCall) ?? task;
        }
        var dto = TaskDto.From(task);
        return task.Status.IsTerminal() ? TypedResults.Ok(dto) : TypedResults.Accepted($"/api/tasks/{id}/result", dto);
    }

    private static async Task<TaskDto> Cancel(string id, CancelRequest? request, IGrainFactory grains) =>
        TaskDto.From(await grains.GetGrain<ITaskGrain>(id).Cancel(Text.AtMost("reason", request?.Reason, Domain.TextLimits.Reason)));
}

/// <summary>Body of a cancel call.</summary>
public sealed record CancelRequest(string? Reason);
