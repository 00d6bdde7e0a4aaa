using Microsoft.AspNetCore.Mvc;
using OmniActors.Errors;
using OmniActors.Tasks;
using OmniActors.Workflows;

namespace OmniActors.Silo.Api;

/// <summary><c>/api/workflows</c>: submit a graph of tasks in one call, read it with each node's state, cancel it.</summary>
internal static class WorkflowsEndpoints
{
    public static RouteGroupBuilder MapWorkflows(this RouteGroupBuilder api)
    {
        var workflows = api.MapGroup("/workflows").WithTags("Workflows");
        workflows.MapPost("/", Submit).WithBodyLimit(RequestBodyLimits.Batch(api)).WithName("SubmitWorkflow")
            .WithSummary("Submit nodes and edges; a cycle, a bad node or a missing dependency refuses the whole graph (nothing is created).");
        workflows.MapGet("/{id}", Get).WithName("GetWorkflow").WithSummary("The graph with each node's state.");
        workflows.MapPost("/{id}/cancel", Cancel).WithName("CancelWorkflow").WithSummary("Cancel every node that has not ended.");
        return api;
    }

    private static async Task<IResult> Submit(WorkflowRequest? request, [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey, IGrainFactory grains)
    {
        var spec = (request ?? throw new TaskValidationException("A JSON body is required.")).ToSpec(idempotencyKey);
        var workflow = await grains.GetGrain<IWorkflowGrain>(0).Submit(spec);
        var dto = WorkflowDto.From(workflow);
        return workflow.Created ? TypedResults.Created($"/api/workflows/{dto.Id}", dto) : TypedResults.Ok(dto);
    }

    private static async Task<WorkflowDto> Get(string id, IGrainFactory grains) =>
        WorkflowDto.From(await grains.GetGrain<IWorkflowGrain>(0).Get(id) ?? throw new NotFoundException($"Workflow {id} does not exist."));

    private static async Task<WorkflowDto> Cancel(string id, CancelRequest? request, IGrainFactory grains) =>
        WorkflowDto.From(await grains.GetGrain<IWorkflowGrain>(0).Cancel(id, Text.AtMost("reason", request?.Reason, Domain.TextLimits.Reason)));
}

/// <summary>Body of <c>POST /api/workflows</c>.</summary>
public sealed record WorkflowRequest
{
    /// <summary>The nodes: a key each and the task to run.</summary>
    public IReadOnlyList<WorkflowNodeRequest>? Nodes { get; init; }
    /// <summary>The edges: <c>to</c> runs after <c>from</c>.</summary>
    public IReadOnlyList<WorkflowEdgeRequest>? Edges { get; init; }
    /// <summary>Repeats with the same key return the same workflow.</summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>The spec this request asks for.</summary>
    public WorkflowSpec ToSpec(string? headerKey)
    {
        if (Nodes is not { Count: > 0 } nodes)
        {
            throw new TaskValidationException("\"nodes\" must be a non-empty array.");
        }
        if (headerKey is not null && IdempotencyKey is not null && headerKey != IdempotencyKey)
        {
            throw new TaskValidationException("The Idempotency-Key header and the idempotencyKey field differ.");
        }
        return new WorkflowSpec
        {
            Nodes = nodes.Select((n, i) => n is { Key: { } key, Task: { } task }
                ? new WorkflowNodeSpec { Key = key, Task = TaskTrace.WithCurrentContext(task.ToSpec(null)) }
                : throw new TaskValidationException($"Node {i} needs a \"key\" and a \"task\".")).ToList(),
            Edges = (Edges ?? []).Select((e, i) => e is { From: { } from, To: { } to }
                ? new WorkflowEdge { From = from, To = to }
                : throw new TaskValidationException($"Edge {i} needs \"from\" and \"to\".")).ToList(),
            IdempotencyKey = IdempotencyKey ?? headerKey,
        };
    }
}

/// <summary>A node of a workflow request.</summary>
public sealed record WorkflowNodeRequest(string? Key, EnqueueRequest? Task);

/// <summary>An edge of a workflow request.</summary>
public sealed record WorkflowEdgeRequest(string? From, string? To);

/// <summary>A workflow as the API shows it.</summary>
public sealed record WorkflowDto(string Id, bool Finished, IReadOnlyList<WorkflowNodeDto> Nodes, IReadOnlyList<WorkflowEdgeRequest> Edges)
{
    /// <summary>Maps a workflow.</summary>
    public static WorkflowDto From(WorkflowInfo w)
    {
        ArgumentNullException.ThrowIfNull(w);
        return new WorkflowDto(w.Id, w.Finished,
            w.Nodes.Select(n => new WorkflowNodeDto(n.Key, n.Task.Id, TaskDto.StatusName(n.Task.Status), TaskDto.From(n.Task))).ToList(),
            w.Edges.Select(e => new WorkflowEdgeRequest(e.From, e.To)).ToList());
    }
}

/// <summary>A node with its state.</summary>
public sealed record WorkflowNodeDto(string Key, string TaskId, string Status, TaskDto Task);
