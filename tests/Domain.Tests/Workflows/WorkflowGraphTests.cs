using OmniActors.Domain.Workflows;
using OmniActors.Errors;

namespace OmniActors.Tests.Workflows;

/// <summary>Workflow graphs: cycles named, bad graphs refused, good ones ordered for creation.</summary>
public sealed class WorkflowGraphTests
{
    private static (string, string)[] Edges(string spec) => spec.Length == 0 ? []
        : spec.Split(' ').Select(e => e.Split('>')).Select(p => (p[0], p[1])).ToArray();

    public static TheoryData<string, string, string> Cycles => new()
    {
        // nodes, edges ("from>to"), the cycle named
        { "a b c", "a>b b>c c>a", "a → b → c → a" },
        { "a", "a>a", "a → a" },
        { "a b", "a>b b>a", "a → b → a" },
        { "s a b c d", "s>a a>b b>c c>d d>b", "b → c → d → b" },
        { "x y z", "x>y x>z z>y y>z", "y → z → y" },
    };

    [Theory]
    [MemberData(nameof(Cycles))]
    public void A_cycle_is_refused_with_its_path(string nodes, string edges, string cycle)
    {
        var (levels, error) = WorkflowGraph.Plan(nodes.Split(' '), Edges(edges));

        Assert.Null(levels);
        Assert.NotNull(error);
        Assert.Equal(ErrorCodes.WorkflowCycle, error.Code);
        Assert.Equal($"The workflow has a cycle: {cycle}.", error.Message);
    }

    public static TheoryData<string, string, string> Levels => new()
    {
        // nodes, edges, levels ("|" between levels)
        { "a", "", "a" },
        { "a b c", "", "a b c" },
        { "a b c", "a>b b>c", "a|b|c" },
        { "a b c d", "a>b a>c b>d c>d", "a|b c|d" },
        { "d c b a", "a>b a>c b>d c>d", "a|b c|d" },
        { "a b c", "a>c b>c", "a b|c" },
    };

    [Theory]
    [MemberData(nameof(Levels))]
    public void A_graph_is_created_level_by_level_dependencies_first(string nodes, string edges, string expected)
    {
        var (levels, error) = WorkflowGraph.Plan(nodes.Split(' '), Edges(edges));

        Assert.Null(error);
        Assert.Equal(expected, string.Join("|", levels!.Select(l => string.Join(" ", l))));
    }

    public static TheoryData<string, string, string> Invalid => new()
    {
        { "a a", "", "Node key 'a' appears twice." },
        { "a b", "a>c", "Edge a → c names a node that is not in the workflow." },
        { "a b", "a>b a>b", "Edge a → b appears twice." },
        { "-a", "", "Node key '-a' is invalid" },
        { "a b!", "", "Node key 'b!' is invalid" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void A_malformed_graph_is_refused(string nodes, string edges, string message)
    {
        var (levels, error) = WorkflowGraph.Plan(nodes.Split(' '), Edges(edges));

        Assert.Null(levels);
        Assert.Equal(ErrorCodes.Validation, error?.Code);
        Assert.StartsWith(message, error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_workflow_is_refused()
    {
        Assert.Equal(ErrorCodes.Validation, WorkflowGraph.Plan([], []).Error?.Code);
    }

    [Fact]
    public void An_oversized_workflow_is_refused()
    {
        var keys = Enumerable.Range(0, WorkflowGraph.MaxNodes + 1).Select(i => $"n{i}").ToList();

        var error = WorkflowGraph.Plan(keys, []).Error;

        Assert.Equal(ErrorCodes.Validation, error?.Code);
        Assert.Contains("at most", error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_long_chain_does_not_overflow_the_stack()
    {
        var keys = Enumerable.Range(0, WorkflowGraph.MaxNodes).Select(i => $"n{i}").ToList();
        var chain = keys.Zip(keys.Skip(1)).ToList();

        var (levels, error) = WorkflowGraph.Plan(keys, chain);

        Assert.Null(error);
        Assert.Equal(WorkflowGraph.MaxNodes, levels!.Count);
        Assert.NotNull(WorkflowGraph.Plan(keys, [.. chain, (keys[^1], keys[0])]).Error);
    }
}
