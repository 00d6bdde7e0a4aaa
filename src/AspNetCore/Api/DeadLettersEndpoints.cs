using OmniActors.Errors;
using OmniActors.Tasks;
using TaskStatus = OmniActors.Tasks.TaskStatus;

namespace OmniActors.Silo.Api;

/// <summary><c>/api/dead-letters</c>: list, inspect, requeue (one or all) and purge.</summary>
internal static class DeadLettersEndpoints
{
    public static RouteGroupBuilder MapDeadLetters(this RouteGroupBuilder api)
    {
        var dlq = api.MapGroup("/dead-letters").WithTags("Dead letters");
        dlq.MapGet("/", async (string? queue, int? limit, string? cursor, IGrainFactory grains) =>
        {
            var page = await grains.GetGrain<ITaskQueryGrain>(0).List(new TaskQuery
            {
                Queue = queue,
                Status = TaskStatus.DeadLettered,
                Limit = limit ?? 50,
                Cursor = cursor,
            });
            return new TaskPageDto(page.Items.Select(TaskDto.From).ToList(), page.NextCursor);
        }).WithName("ListDeadLetters");
        dlq.MapGet("/{id}", async (string id, IGrainFactory grains) => TaskDto.From(await DeadLetter(grains, id))).WithName("GetDeadLetter");
        dlq.MapPost("/{id}/requeue", async (string id, IGrainFactory grains) =>
            TaskDto.From(await grains.GetGrain<ITaskGrain>(id).Requeue())).WithName("RequeueDeadLetter");
        dlq.MapPost("/requeue", async (string? queue, IGrainFactory grains) =>
            new CountDto(await grains.GetGrain<ITaskQueryGrain>(0).RequeueDeadLetters(queue))).WithName("RequeueAllDeadLetters");
        dlq.MapDelete("/{id}", async (string id, IGrainFactory grains) =>
        {
            await grains.GetGrain<ITaskGrain>(id).Purge();
            return TypedResults.NoContent();
        }).WithName("PurgeDeadLetter");
        dlq.MapDelete("/", async (string? queue, IGrainFactory grains) =>
            new CountDto(await grains.GetGrain<ITaskQueryGrain>(0).PurgeDeadLetters(queue))).WithName("PurgeDeadLetters");
        return api;
    }

    private static async Task<TaskInfo> DeadLetter(IGrainFactory grains, string id)
    {
        var task = await grains.GetGrain<ITaskGrain>(id).Get();
        return task is { Status: TaskStatus.DeadLettered } ? task : throw new NotFoundException($"No dead letter {id}.");
    }
}
