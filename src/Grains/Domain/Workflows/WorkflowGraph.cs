using OmniActors.Errors;

namespace OmniActors.Domain.Workflows;

/// <summary>
/// Checks a workflow's graph and orders it for creation. Pure. An edge <c>(From, To)</c> means <c>To</c> runs after
/// <c>From</c>. Nodes are created level by level, so every dependency exists before its dependent is submitted.
/// </summary>
public static class WorkflowGraph
{
    /// <summary>Most nodes in one workflow.</summary>
    public const int MaxNodes = 1000;
    /// <summary>Most edges in one workflow.</summary>
    public const int MaxEdges = 10_000;
    /// <summary>Longest node key.</summary>
    public const int MaxKeyLength = 100;

    /// <summary>The creation levels (each a list of keys whose dependencies lie in earlier levels), or the error that refuses the graph.</summary>
    public static (IReadOnlyList<IReadOnlyList<string>>? Levels, TaskValidationException? Error) Plan(
        IReadOnlyList<string> keys, IReadOnlyList<(string From, string To)> edges)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(edges);
        if (keys.Count == 0)
        {
            return Refuse("A workflow needs at least one node.");
        }
        if (keys.Count > MaxNodes || edges.Count > MaxEdges)
        {
            return Refuse($"A workflow holds at most {MaxNodes} nodes and {MaxEdges} edges; this one has {keys.Count} and {edges.Count}.");
        }
        var known = new HashSet<string>(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            if (!TaskSpecValidator.IsValidName(key) || key.Length > MaxKeyLength)
            {
                return Refuse($"Node key '{key}' is invalid: 1 to {MaxKeyLength} characters of letters, digits, '.', '_', '-', ':', starting with a letter or digit.");
            }
            if (!known.Add(key))
            {
                return Refuse($"Node key '{key}' appears twice.");
            }
        }
        var successors = keys.ToDictionary(k => k, _ => new List<string>(), StringComparer.Ordinal);
        var seen = new HashSet<(string, string)>();
        foreach (var (from, to) in edges)
        {
            if (from is null || to is null || !known.Contains(from) || !known.Contains(to))
            {
                return Refuse($"Edge {from} → {to} names a node that is not in the workflow.");
            }
            if (!seen.Add((from, to)))
            {
                return Refuse($"Edge {from} → {to} appears twice.");
            }
            successors[from].Add(to);
        }
        if (FindCycle(keys, successors) is { } cycle)
        {
            return (null, new TaskValidationException(ErrorCodes.WorkflowCycle, $"The workflow has a cycle: {string.Join(" → ", cycle)}."));
        }
        return (Levels(keys, edges), null);
    }

    /// <summary>A cycle as the path that closes it (first node repeated at the end), or null. Deterministic: nodes and edges in given order.</summary>
    public static IReadOnlyList<string>? FindCycle(IReadOnlyList<string> keys, IReadOnlyDictionary<string, List<string>> successors)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(successors);
        var state = new Dictionary<string, int>(StringComparer.Ordinal); // absent: unvisited, 1: on the path, 2: done
        var path = new List<string>();
        foreach (var root in keys)
        {
            if (state.ContainsKey(root))
            {
                continue;
            }
            // Iterative depth-first search: a long chain must not overflow the stack.
            var stack = new Stack<(string Node, int Next)>();
            stack.Push((root, 0));
            state[root] = 1;
            path.Add(root);
            while (stack.Count > 0)
            {
                var (node, next) = stack.Pop();
                var outs = successors[node];
                if (next < outs.Count)
                {
                    stack.Push((node, next + 1));
                    var child = outs[next];
                    switch (state.GetValueOrDefault(child))
                    {
                        case 1:
                            var start = path.IndexOf(child);
                            return [.. path.Skip(start), child];
                        case 0:
                            state[child] = 1;
                            path.Add(child);
                            stack.Push((child, 0));
                            break;
                    }
                    continue;
                }
                state[node] = 2;
                path.RemoveAt(path.Count - 1);
            }
        }
        return null;
    }

    private static List<IReadOnlyList<string>> Levels(IReadOnlyList<string> keys, IReadOnlyList<(string From, string To)> edges)
    {
        var indegree = keys.ToDictionary(k => k, _ => 0, StringComparer.Ordinal);
        foreach (var (_, to) in edges)
        {
            indegree[to]++;
        }
        var levels = new List<IReadOnlyList<string>>();
        var current = keys.Where(k => indegree[k] == 0).ToList();
        while (current.Count > 0)
        {
            levels.Add(current);
            var done = new HashSet<string>(current, StringComparer.Ordinal);
            var next = new List<string>();
            foreach (var (from, to) in edges)
            {
                if (done.Contains(from) && --indegree[to] == 0)
                {
                    next.Add(to);
                }
            }
            current = next;
        }
        return levels;
    }

    private static (IReadOnlyList<IReadOnlyList<string>>?, TaskValidationException?) Refuse(string message) =>
        (null, new TaskValidationException(ErrorCodes.Validation, message));
}
