using System.Text.Json;
using System.Text.Json.Nodes;
using OmniActors.Errors;
using OmniActors.Tasks;
using OmniActors.Tests.Support;
using OmniActors.Workflows;
using static OmniActors.Tests.Tasks.TaskTestKit;
using TaskStatus = OmniActors.Tasks.TaskStatus;

namespace OmniActors.Tests.Workflows;

/// <summary>Workflows: a graph submitted in one call runs in dependency order, reports each node, and cancels as a whole.</summary>
public abstract class WorkflowTests(TaskClusterFixture fixture)
{
    private Probe Probe => fixture.Probe;

    private static WorkflowNodeSpec Node(string key, string queue, string action = "test-dependencies", object? payload = null) =>
        new() { Key = key, Task = new TaskSpec { Action = action, Queue = queue, Payload = JsonSerializer.Serialize(payload ?? new { key }) } };

    private static WorkflowEdge Edge(string from, string to) => new() { From = from, To = to };

    [Fact]
    public async Task A_diamond_runs_in_dependency_order_and_the_join_reads_both_results()
    {
        var queue = UniqueQueue("wf");
        var workflow = await fixture.Omni.SubmitWorkflowAsync(new WorkflowSpec
        {
            Nodes = [Node("fetch", queue), Node("left", queue), Node("right", queue), Node("join", queue)],
            Edges = [Edge("fetch", "left"), Edge("fetch", "right"), Edge("left", "join"), Edge("right", "join")],
        });

        Assert.True(workflow.Created);
        Assert.Equal(4, workflow.Nodes.Count);
        var ids = workflow.Nodes.ToDictionary(n => n.Key, n => n.Task.Id);
        var join = await fixture.Omni.EndsAs(ids["join"], TaskStatus.Succeeded);

        var started = Probe.Started[queue].ToList();
        Assert.True(started.IndexOf(ids["fetch"]) < started.IndexOf(ids["left"]));
        Assert.True(started.IndexOf(ids["right"]) < started.IndexOf(ids["join"]));
        var seen = JsonNode.Parse(join.Result!)!["dependencies"]!.AsArray().Select(d => d!["key"]!.GetValue<string>()).Order().ToList();
        Assert.Equal(["left", "right"], seen);

        var after = await fixture.Omni.GetWorkflowAsync(workflow.Id);
        Assert.NotNull(after);
        Assert.True(after.Finished);
        Assert.All(after.Nodes, n => Assert.Equal(TaskStatus.Succeeded, n.Task.Status));
        Assert.Equal(4, after.Edges.Count);
        Assert.Contains(after.Edges, e => e.From == "left" && e.To == "join");
    }

    [Fact]
    public async Task A_cycle_is_refused_naming_it_and_nothing_is_created()
    {
        var queue = UniqueQueue("wf-cycle");
        var key = "wf-cycle-" + Guid.NewGuid().ToString("N");

        var ex = await Assert.ThrowsAsync<TaskValidationException>(() => fixture.Omni.SubmitWorkflowAsync(new WorkflowSpec
        {
            Nodes = [Node("start", queue), Node("a", queue), Node("b", queue), Node("c", queue)],
            Edges = [Edge("start", "a"), Edge("a", "b"), Edge("b", "c"), Edge("c", "a")],
            IdempotencyKey = key,
        }));

        Assert.Equal(ErrorCodes.WorkflowCycle, ex.Code);
        Assert.Contains("a → b → c → a", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0L, Convert.ToInt64(await fixture.Database.ScalarAsync("SELECT COUNT(*) FROM omni_tasks WHERE queue = @queue", ("@queue", queue)),
            System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task A_bad_node_refuses_the_whole_workflow()
    {
        var queue = UniqueQueue("wf-bad");

        var ex = await Assert.ThrowsAsync<TaskValidationException>(() => fixture.Omni.SubmitWorkflowAsync(new WorkflowSpec
        {
            Nodes = [Node("ok", queue), Node("broken", queue, action: "no-such-action")],
            Edges = [Edge("ok", "broken")],
        }));

        Assert.Equal(ErrorCodes.UnknownAction, ex.Code);
        Assert.StartsWith("Node 'broken':", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0L, Convert.ToInt64(await fixture.Database.ScalarAsync("SELECT COUNT(*) FROM omni_tasks WHERE queue = @queue", ("@queue", queue)),
            System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task A_missing_outside_dependency_refuses_the_whole_workflow()
    {
        var queue = UniqueQueue("wf-missing");
        var node = Node("a", queue);

        var ex = await Assert.ThrowsAsync<TaskValidationException>(() => fixture.Omni.SubmitWorkflowAsync(new WorkflowSpec
        {
            Nodes = [Node("first", queue), node with { Task = node.Task with { DependsOn = ["no-such-task"] } }],
        }));

        Assert.Equal(ErrorCodes.DependencyNotFound, ex.Code);
        Assert.Equal(0L, Convert.ToInt64(await fixture.Database.ScalarAsync("SELECT COUNT(*) FROM omni_tasks WHERE queue = @queue", ("@queue", queue)),
            System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Resubmitting_with_the_same_key_returns_the_same_workflow()
    {
        var queue = UniqueQueue("wf-again");
        var spec = new WorkflowSpec
        {
            Nodes = [Node("a", queue), Node("b", queue)],
            Edges = [Edge("a", "b")],
            IdempotencyKey = "wf-again-" + Guid.NewGuid().ToString("N"),
        };

        var first = await fixture.Omni.SubmitWorkflowAsync(spec);
        var second = await fixture.Omni.SubmitWorkflowAsync(spec);

        Assert.True(first.Created);
        Assert.False(second.Created);
        Assert.Equal(first.Id, second.Id);
        Assert.Equal(first.Nodes.Select(n => n.Task.Id), second.Nodes.Select(n => n.Task.Id));
        Assert.Equal(2L, Convert.ToInt64(await fixture.Database.ScalarAsync("SELECT COUNT(*) FROM omni_tasks WHERE queue = @queue", ("@queue", queue)),
            System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Cancelling_a_workflow_cancels_every_unfinished_node()
    {
        var queue = UniqueQueue("wf-cancel");
        var workflow = await fixture.Omni.SubmitWorkflowAsync(new WorkflowSpec
        {
            Nodes = [Node("done", queue, "test-record"), Node("block", queue, "test-block"), Node("after", queue), Node("last", queue)],
            Edges = [Edge("done", "block"), Edge("block", "after"), Edge("after", "last")],
        });
        var ids = workflow.Nodes.ToDictionary(n => n.Key, n => n.Task.Id);
        try
        {
            await Eventually.True(() => Probe.Executions.ContainsKey(ids["block"]), Deadline, "the blocking node starts");

            var cancelled = await fixture.Omni.CancelWorkflowAsync(workflow.Id, "stop it");

            var states = cancelled.Nodes.ToDictionary(n => n.Key, n => n.Task.Status);
            Assert.Equal(TaskStatus.Succeeded, states["done"]);
            Assert.Equal(TaskStatus.Cancelled, states["block"]);
            Assert.True(cancelled.Finished);
            Assert.All(["after", "last"], k => Assert.Equal(TaskStatus.Cancelled, states[k]));
            Assert.False(Probe.Executions.ContainsKey(ids["after"]));
        }
        finally
        {
            Probe.Gate(ids["block"]).TrySetResult();
        }
    }

    [Fact]
    public async Task A_failed_node_fails_its_successors_and_an_on_failure_node_runs()
    {
        var queue = UniqueQueue("wf-fail");
        var fail = Node("fail", queue, "test-fail", new { permanent = true });
        var cleanup = Node("cleanup", queue);
        var workflow = await fixture.Omni.SubmitWorkflowAsync(new WorkflowSpec
        {
            Nodes = [fail, Node("next", queue), cleanup with { Task = cleanup.Task with { RunWhen = DependencyCondition.AnyFailed } }],
            Edges = [Edge("fail", "next"), Edge("fail", "cleanup")],
        });
        var ids = workflow.Nodes.ToDictionary(n => n.Key, n => n.Task.Id);

        await fixture.Omni.EndsAs(ids["cleanup"], TaskStatus.Succeeded);
        var next = await fixture.Omni.EndsAs(ids["next"], TaskStatus.DeadLettered);
        Assert.Equal("DependencyFailed", next.LastError?.Type);
        Assert.Null(await fixture.Omni.GetWorkflowAsync("w-no-such-workflow"));
    }
}

[Collection(SqliteClusterCollection.Name)]
public sealed class SqliteWorkflowTests(SqliteTaskCluster fixture) : WorkflowTests(fixture);

[Collection(PostgresClusterCollection.Name)]
public sealed class PostgresWorkflowTests(PostgresTaskCluster fixture) : WorkflowTests(fixture);
