using System.Text.Json.Nodes;
using OmniActors.Errors;
using OmniActors.Tasks;
using OmniActors.Tests.Support;
using static OmniActors.Tests.Tasks.TaskTestKit;
using TaskStatus = OmniActors.Tasks.TaskStatus;

namespace OmniActors.Tests.Workflows;

/// <summary>Human approval: a task waits in the approval queue until a person accepts, modifies, rejects or takes it over.</summary>
public abstract class ApprovalTests(TaskClusterFixture fixture)
{
    private Probe Probe => fixture.Probe;

    private async Task<string> Awaiting(string queue, string payload = """{"amount":10}""")
    {
        var id = (await fixture.Omni.EnqueueAsync(new TaskSpec { Action = "test-record", Queue = queue, Payload = payload, RequiresApproval = true })).Task.Id;
        Assert.Equal(TaskStatus.AwaitingApproval, (await fixture.Omni.GetAsync(id))?.Status);
        return id;
    }

    [Fact]
    public async Task An_accepted_task_runs_and_the_decision_is_audited()
    {
        var queue = UniqueQueue("approve");
        var id = await Awaiting(queue);
        Assert.Contains(id, (await fixture.Omni.ListApprovalsAsync(queue)).Items.Select(t => t.Id));
        Assert.False(Probe.Executions.ContainsKey(id));

        var accepted = await fixture.Omni.AcceptAsync(id, "ada", "looks fine");

        Assert.Equal(TaskStatus.Queued, accepted.Status);
        var done = await fixture.Omni.EndsAs(id, TaskStatus.Succeeded);
        var decision = Assert.Single(done.Approvals);
        Assert.Equal((ApprovalAction.Accept, "ada", "looks fine"), (decision.Action, decision.By, decision.Comment));
        Assert.Empty((await fixture.Omni.ListApprovalsAsync(queue)).Items);
        Assert.Equal("ada", await fixture.Database.ScalarAsync("SELECT approvals FROM omni_tasks WHERE id = @id", ("@id", id)) is string json
            ? JsonNode.Parse(json)![0]!["By"]!.GetValue<string>() : null);
    }

    [Fact]
    public async Task A_modified_task_runs_with_the_new_payload()
    {
        var id = await Awaiting(UniqueQueue("modify"));

        await fixture.Omni.ModifyAsync(id, "grace", """{"amount":5}""", "too much");

        var done = await fixture.Omni.EndsAs(id, TaskStatus.Succeeded);
        Assert.Equal(5, JsonNode.Parse(done.Result!)!["amount"]!.GetValue<int>());
        Assert.Equal(ApprovalAction.Modify, Assert.Single(done.Approvals).Action);
    }

    [Fact]
    public async Task A_rejected_task_ends_rejected_with_its_reason_and_never_runs()
    {
        var id = await Awaiting(UniqueQueue("reject"));

        var rejected = await fixture.Omni.RejectAsync(id, "linus", "not in budget");

        Assert.Equal(TaskStatus.Rejected, rejected.Status);
        Assert.Equal("not in budget", rejected.CancelReason);
        var stored = await fixture.Omni.GetAsync(id);
        Assert.Equal(TaskStatus.Rejected, stored?.Status);
        Assert.Equal(("linus", "not in budget"), (stored!.Approvals[0].By, stored.Approvals[0].Comment));
        Assert.False(Probe.Executions.ContainsKey(id));
    }

    [Fact]
    public async Task A_taken_over_task_ends_succeeded_with_the_persons_result_without_running()
    {
        var id = await Awaiting(UniqueQueue("takeover"));

        var taken = await fixture.Omni.TakeOverAsync(id, "margaret", """{"paid":"by hand"}""");

        Assert.Equal(TaskStatus.Succeeded, taken.Status);
        Assert.Equal("by hand", JsonNode.Parse((await fixture.Omni.GetAsync(id))!.Result!)!["paid"]!.GetValue<string>());
        Assert.Equal(ApprovalAction.TakeOver, taken.Approvals[0].Action);
        Assert.False(Probe.Executions.ContainsKey(id));
    }

    [Fact]
    public async Task A_decision_on_a_task_not_awaiting_approval_is_a_conflict_and_changes_nothing()
    {
        var queue = UniqueQueue("not-awaiting");
        var id = (await fixture.Omni.EnqueueAsync("test-record", new { plain = true }, queue)).Task.Id;
        var before = await fixture.Omni.EndsAs(id, TaskStatus.Succeeded);
        var rejectedOnce = await Awaiting(queue);
        await fixture.Omni.RejectAsync(rejectedOnce, "ada", "no");

        foreach (var target in new[] { id, rejectedOnce })
        {
            var ex = await Assert.ThrowsAsync<ConflictException>(() => fixture.Omni.AcceptAsync(target, "mallory"));
            Assert.Equal(ErrorCodes.NotAwaitingApproval, ex.Code);
            await Assert.ThrowsAsync<ConflictException>(() => fixture.Omni.TakeOverAsync(target, "mallory", "1"));
        }
        var after = await fixture.Omni.GetAsync(id);
        Assert.Equal(before.Version, after?.Version);
        Assert.Empty(after!.Approvals);
        Assert.Single((await fixture.Omni.GetAsync(rejectedOnce))!.Approvals);
        await Assert.ThrowsAsync<NotFoundException>(() => fixture.Omni.AcceptAsync("no-such-task-" + Guid.NewGuid().ToString("N"), "ada"));
    }

    [Fact]
    public async Task A_task_with_dependencies_and_approval_waits_for_both()
    {
        var queue = UniqueQueue("deps-approval");
        var dependency = (await fixture.Omni.EnqueueAsync("test-record", new { first = true }, queue)).Task.Id;
        var id = (await fixture.Omni.EnqueueAsync(new TaskSpec { Action = "test-record", Queue = queue, DependsOn = [dependency], RequiresApproval = true })).Task.Id;

        await Eventually.Until(() => fixture.Omni.GetAsync(id), t => t?.Status == TaskStatus.AwaitingApproval, Deadline, "waits for approval after its dependency");
        await fixture.Omni.AcceptAsync(id, "ada");

        await fixture.Omni.EndsAs(id, TaskStatus.Succeeded);
    }
}

[Collection(SqliteClusterCollection.Name)]
public sealed class SqliteApprovalTests(SqliteTaskCluster fixture) : ApprovalTests(fixture);

[Collection(PostgresClusterCollection.Name)]
public sealed class PostgresApprovalTests(PostgresTaskCluster fixture) : ApprovalTests(fixture);
