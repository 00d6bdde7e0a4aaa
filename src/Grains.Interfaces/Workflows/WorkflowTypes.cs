using OmniActors.Tasks;

namespace OmniActors.Workflows;

/// <summary>A graph of tasks submitted in one call: nodes with client keys, edges saying which runs after which.</summary>
[GenerateSerializer, Alias("omni.WorkflowSpec")]
public sealed record WorkflowSpec
{
    /// <summary>The nodes.</summary>
    [Id(0)] public required IReadOnlyList<WorkflowNodeSpec> Nodes { get; init; }
    /// <summary>The edges: <c>To</c> depends on <c>From</c>.</summary>
    [Id(1)] public IReadOnlyList<WorkflowEdge> Edges { get; init; } = [];
    /// <summary>The same key always names the same workflow: a repeat returns it instead of creating a second.</summary>
    [Id(2)] public string? IdempotencyKey { get; init; }
}

/// <summary>One node: a client-chosen key and the task to run.</summary>
[GenerateSerializer, Alias("omni.WorkflowNodeSpec")]
public sealed record WorkflowNodeSpec
{
    /// <summary>The node's key, unique in its workflow.</summary>
    [Id(0)] public required string Key { get; init; }
    /// <summary>The task (its <c>DependsOn</c> may also name tasks outside the workflow).</summary>
    [Id(1)] public required TaskSpec Task { get; init; }
}

/// <summary>An edge: <see cref="To"/> runs after <see cref="From"/> ended as <see cref="To"/>'s condition asks.</summary>
[GenerateSerializer, Alias("omni.WorkflowEdge")]
public sealed record WorkflowEdge
{
    /// <summary>The node that runs first.</summary>
    [Id(0)] public required string From { get; init; }
    /// <summary>The node that depends on it.</summary>
    [Id(1)] public required string To { get; init; }
}

/// <summary>A workflow and each node's current state.</summary>
[GenerateSerializer, Alias("omni.WorkflowInfo")]
public sealed record WorkflowInfo
{
    /// <summary>Workflow id.</summary>
    [Id(0)] public required string Id { get; init; }
    /// <summary>The nodes in creation order: each level of the graph after the levels it depends on, then by creation time and key.</summary>
    [Id(1)] public required IReadOnlyList<WorkflowNode> Nodes { get; init; }
    /// <summary>The edges between nodes.</summary>
    [Id(2)] public required IReadOnlyList<WorkflowEdge> Edges { get; init; }
    /// <summary>True once every node ended.</summary>
    [Id(3)] public bool Finished { get; init; }
    /// <summary>False when an idempotency key returned an existing workflow.</summary>
    [Id(4)] public bool Created { get; init; }
}

/// <summary>A node with its task.</summary>
[GenerateSerializer, Alias("omni.WorkflowNode")]
public sealed record WorkflowNode
{
    /// <summary>The node key.</summary>
    [Id(0)] public required string Key { get; init; }
    /// <summary>Its task as stored.</summary>
    [Id(1)] public required TaskInfo Task { get; init; }
}

/// <summary>Submits, reads and cancels workflows (stateless: a workflow is its tasks).</summary>
[Alias("omni.IWorkflowGrain")]
public interface IWorkflowGrain : IGrainWithIntegerKey
{
    /// <summary>Checks the whole graph (cycles, node specs, outside dependencies) and, only if all is well, creates its tasks.</summary>
    [Alias("Submit")] Task<WorkflowInfo> Submit(WorkflowSpec spec);
    /// <summary>The workflow, or null.</summary>
    [Alias("Get")] Task<WorkflowInfo?> Get(string workflowId);
    /// <summary>Cancels every node that has not ended; returns the workflow after.</summary>
    [Alias("Cancel")] Task<WorkflowInfo> Cancel(string workflowId, string? reason);
}
