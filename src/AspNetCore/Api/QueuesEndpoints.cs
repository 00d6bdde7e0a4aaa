using OmniActors.Domain;
using OmniActors.Errors;
using OmniActors.Queues;
using OmniActors.Tasks;

namespace OmniActors.Silo.Api;

/// <summary><c>/api/queues</c>: figures, pause and resume.</summary>
internal static class QueuesEndpoints
{
    public static RouteGroupBuilder MapQueues(this RouteGroupBuilder api)
    {
        var queues = api.MapGroup("/queues").WithTags("Queues");
        queues.MapGet("/", List).WithName("ListQueues");
        queues.MapGet("/{name}", Get).WithName("GetQueue");
        queues.MapPost("/{name}/pause", async (string name, IGrainFactory grains) =>
        {
            await Queue(grains, name).Pause();
            return await Queue(grains, name).GetStats();
        }).WithName("PauseQueue");
        queues.MapPost("/{name}/resume", async (string name, IGrainFactory grains) =>
        {
            await Queue(grains, name).Resume();
            return await Queue(grains, name).GetStats();
        }).WithName("ResumeQueue");
        return api;
    }

    private static async Task<IReadOnlyList<QueueStats>> List(IGrainFactory grains)
    {
        var names = await grains.GetGrain<ITaskQueryGrain>(0).ListQueues();
        return await Task.WhenAll(names.Select(n => grains.GetGrain<IQueueGrain>(n).GetStats()));
    }

    private static Task<QueueStats> Get(string name, IGrainFactory grains) => Queue(grains, name).GetStats();

    private static IQueueGrain Queue(IGrainFactory grains, string name) =>
        TaskSpecValidator.IsValidName(name) ? grains.GetGrain<IQueueGrain>(name)
            : throw new TaskValidationException($"Queue name '{name}' is invalid.");
}
