using Microsoft.Extensions.Options;
using OmniActors.Actions;
using OmniActors.Domain;
using OmniActors.Domain.Workflows;
using OmniActors.Errors;
using OmniActors.Storage;
using OmniActors.Tasks;
using Orleans.Concurrency;

namespace OmniActors.Workflows;

/// <summary>
/// Workflows without a state of their own: a workflow is the set of tasks carrying its id, each waiting on its
/// predecessors through ordinary task dependencies. Submission refuses a bad graph before creating anything, then
/// creates the nodes level by level (each dependency exists before its dependent). Node task ids derive from the
/// workflow id and node key, so a repeated submission (same idempotency key) completes or returns the same tasks.
/// </summary>
[StatelessWorker]
internal sealed class WorkflowGrain(ITaskStore store, ActionRegistry actions, IOptions<TaskOptions> options, TimeProvider time) : Grain, IWorkflowGrain
{
    public async Task<WorkflowInfo> Submit(WorkflowSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Nodes is null || spec.Nodes.Any(n => n is null || n.Task is null))
        {
            throw new TaskValidationException("Every node needs a key and a task.");
        }
        var edges = (spec.Edges ?? []).Select(e => (e?.From!, e?.To!)).ToList();
        var (levels, error) = WorkflowGraph.Plan(spec.Nodes.Select(n => n.Key).ToList(), edges);
        if (error is not null)
        {
            throw error;
        }
        if (spec.IdempotencyKey is { Length: 0 or > TaskIds.MaxIdempotencyKeyLength })
        {
            throw new TaskValidationException($"Idempotency key must be 1 to {TaskIds.MaxIdempotencyKeyLength} characters.");
        }
        var workflowId = spec.IdempotencyKey is { } key ? "w" + TaskIds.FromIdempotencyKey("workflow:" + key)[1..] : "w" + TaskIds.New();
        var taskIds = spec.Nodes.ToDictionary(n => n.Key, n => TaskIds.FromIdempotencyKey(NodeKey(workflowId, n.Key)), StringComparer.Ordinal);
        var specs = new Dictionary<string, TaskSpec>(StringComparer.Ordinal);
        var now = time.GetUtcNow();
        foreach (var node in spec.Nodes)
        {
            var predecessors = edges.Where(e => e.Item2 == node.Key).Select(e => taskIds[e.Item1]);
            var outside = node.Task.DependsOn ?? [];
            var nodeSpec = node.Task with
            {
                DependsOn = [.. outside, .. predecessors],
                WorkflowId = workflowId,
                WorkflowKey = node.Key,
                IdempotencyKey = NodeKey(workflowId, node.Key),
            };
            if (nodeSpec.DependsOn.Count == 0)
            {
                nodeSpec = nodeSpec with { DependsOn = null };
            }
            if (TaskSpecValidator.Validate(nodeSpec, options.Value.Limits, actions.Contains, now) is { } invalid)
            {
                throw new TaskValidationException(invalid.Code, $"Node '{node.Key}': {invalid.Message}");
            }
            specs[node.Key] = nodeSpec;
        }
        await CheckOutsideDependenciesAsync(spec.Nodes, taskIds);

        var created = false;
        foreach (var level in levels!)
        {
            var results = await Task.WhenAll(level.Select(k => GrainFactory.GetGrain<ITaskGrain>(taskIds[k]).Submit(specs[k])));
            created |= results.Any(r => r.Created);
        }
        return (await Get(workflowId))! with { Created = created };
    }

    public async Task<WorkflowInfo?> Get(string workflowId)
    {
        ArgumentNullException.ThrowIfNull(workflowId);
        var tasks = await store.ListWorkflowAsync(workflowId);
        return tasks.Count == 0 ? null : Describe(workflowId, tasks, time.GetUtcNow());
    }

    public async Task<WorkflowInfo> Cancel(string workflowId, string? reason)
    {
        ArgumentNullException.ThrowIfNull(workflowId);
        var tasks = await store.ListWorkflowAsync(workflowId);
        if (tasks.Count == 0)
        {
            throw new NotFoundException($"Workflow {workflowId} does not exist.");
        }
        // Newest first: dependents are cancelled before their dependencies, so none of them is instead failed by the
        // cascade of a dependency's cancellation; every unfinished node ends cancelled with the workflow's reason.
        foreach (var t in tasks.Where(t => !t.Status.IsTerminal()).OrderByDescending(Depths(tasks).GetValueOrDefault))
        {
            try
            {
                await GrainFactory.GetGrain<ITaskGrain>(t.Id).Cancel(reason ?? $"Workflow {workflowId} was cancelled.");
            }
            catch (ConflictException)
            {
                // It ended meanwhile: nothing left to cancel.
            }
        }
        return (await Get(workflowId))!;
    }

    private async Task CheckOutsideDependenciesAsync(IReadOnlyList<WorkflowNodeSpec> nodes, Dictionary<string, string> taskIds)
    {
        var outside = nodes.SelectMany(n => n.Task.DependsOn ?? []).Distinct(StringComparer.Ordinal).ToList();
        if (outside.Count == 0)
        {
            return;
        }
        var inside = taskIds.Values.ToHashSet(StringComparer.Ordinal);
        var found = (await store.GetManyAsync(outside)).Select(t => t.Id).ToHashSet(StringComparer.Ordinal);
        var missing = outside.Where(d => !found.Contains(d) && !inside.Contains(d)).ToList();
        if (missing.Count > 0)
        {
            throw new TaskValidationException(ErrorCodes.DependencyNotFound,
                $"The workflow depends on {string.Join(", ", missing)}, which {(missing.Count == 1 ? "does" : "do")} not exist; nothing was created.");
        }
    }

    private static WorkflowInfo Describe(string workflowId, IReadOnlyList<TaskInfo> tasks, DateTimeOffset now)
    {
        var keyOf = tasks.Where(t => t.WorkflowKey is not null).ToDictionary(t => t.Id, t => t.WorkflowKey!, StringComparer.Ordinal);
        var edges = tasks.SelectMany(t => t.DependsOn.Where(keyOf.ContainsKey).Select(d => new WorkflowEdge { From = keyOf[d], To = t.WorkflowKey! })).ToList();
        // Creation order: a level is created only once the one before it was, so depth first; the store's millisecond
        // creation times tie within a level and across a fast level boundary, so the key settles what they leave open.
        var depths = Depths(tasks);
        var ordered = tasks.OrderBy(t => depths[t]).ThenBy(t => t.CreatedAt).ThenBy(t => t.WorkflowKey ?? t.Id, StringComparer.Ordinal);
        return new WorkflowInfo
        {
            Id = workflowId,
            Nodes = ordered.Select(t => new WorkflowNode
            {
                Key = t.WorkflowKey ?? t.Id,
                Task = t.Result is not null && t.ResultExpired(now) ? t with { Result = null } : t,
            }).ToList(),
            Edges = edges,
            Finished = tasks.All(t => t.Status.IsTerminal()),
        };
    }

    /// <summary>How deep each task sits in the graph (roots 0); a workflow is acyclic by construction.</summary>
    private static Dictionary<TaskInfo, int> Depths(IReadOnlyList<TaskInfo> tasks)
    {
        var byId = tasks.ToDictionary(t => t.Id, StringComparer.Ordinal);
        var depths = new Dictionary<TaskInfo, int>();
        int Depth(TaskInfo t)
        {
            if (!depths.TryGetValue(t, out var d))
            {
                d = t.DependsOn.Where(byId.ContainsKey).Select(id => Depth(byId[id]) + 1).DefaultIfEmpty(0).Max();
                depths[t] = d;
            }
            return d;
        }
        foreach (var t in tasks)
        {
            Depth(t);
        }
        return depths;
    }

    private static string NodeKey(string workflowId, string key) => $"workflow:{workflowId}:{key}";
}
