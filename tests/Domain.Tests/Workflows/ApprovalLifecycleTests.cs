using OmniActors.Domain;
using OmniActors.Errors;
using OmniActors.Tasks;
using OmniActors.Tests.Domain;
using static OmniActors.Tests.Domain.TaskStates;
using TaskStatus = OmniActors.Tasks.TaskStatus;

namespace OmniActors.Tests.Workflows;

/// <summary>Approval decisions: each moves an awaiting task on and records who and when; any other state refuses them.</summary>
public sealed class ApprovalLifecycleTests
{
    private static TaskInfo Awaiting() => Queued() with { Status = TaskStatus.AwaitingApproval, RequiresApproval = true };

    private static ApprovalRequest Request(ApprovalAction action, string? comment = null, string? payload = null, string? result = null) =>
        new() { Action = action, By = "ada", Comment = comment, Payload = payload, Result = result };

    public static TheoryData<string, ApprovalRequest, TaskStatus, TaskEventType[]> Decisions => new()
    {
        { "accept", Request(ApprovalAction.Accept, "ok"), TaskStatus.Queued, [TaskEventType.Approved, TaskEventType.Enqueued] },
        { "modify", Request(ApprovalAction.Modify, payload: """{"to":"grace"}"""), TaskStatus.Queued, [TaskEventType.Approved, TaskEventType.Enqueued] },
        { "reject", Request(ApprovalAction.Reject, "not today"), TaskStatus.Rejected, [TaskEventType.Rejected] },
        { "take over", Request(ApprovalAction.TakeOver, result: """{"done":"by hand"}"""), TaskStatus.Succeeded, [TaskEventType.TakenOver, TaskEventType.Complete] },
    };

    [Theory]
    [MemberData(nameof(Decisions))]
    public void A_decision_moves_the_task_and_is_audited(string name, ApprovalRequest request, TaskStatus expected, TaskEventType[] events)
    {
        Assert.Null(ApprovalRules.Validate(request, new TaskLimits()));

        var t = TaskLifecycle.Apply(Awaiting(), ApprovalRules.CommandFor(request), Now);

        Assert.True(t.Accepted, name);
        Assert.Equal(expected, t.State!.Status);
        Assert.Equal(events, t.Events);
        var entry = Assert.Single(t.State.Approvals);
        Assert.Equal(("ada", Now), (entry.By, entry.At));
    }

    [Fact]
    public void Modify_replaces_the_payload_and_take_over_records_the_result()
    {
        var modified = TaskLifecycle.Apply(Awaiting(), ApprovalRules.CommandFor(Request(ApprovalAction.Modify, payload: "[1]")), Now).State!;
        var taken = TaskLifecycle.Apply(Awaiting(), ApprovalRules.CommandFor(Request(ApprovalAction.TakeOver, result: "7")), Now).State!;
        var rejected = TaskLifecycle.Apply(Awaiting(), ApprovalRules.CommandFor(Request(ApprovalAction.Reject, "spam")), Now).State!;

        Assert.Equal("[1]", modified.Payload);
        Assert.Equal(ApprovalAction.Modify, modified.Approvals[0].Action);
        Assert.Equal("7", taken.Result);
        Assert.Equal(Now + taken.ResultTtl, taken.ResultExpiresAt);
        Assert.Equal("spam", rejected.CancelReason);
        Assert.True(rejected.Status.IsTerminal());
    }

    [Fact]
    public void An_approved_task_with_a_due_time_ahead_is_scheduled()
    {
        var t = TaskLifecycle.Apply(Awaiting() with { DueAt = Now.AddHours(1) }, ApprovalRules.CommandFor(Request(ApprovalAction.Accept)), Now);

        Assert.Equal(TaskStatus.Scheduled, t.State!.Status);
    }

    public static TheoryData<string, TaskInfo> NotAwaiting => new()
    {
        { "queued", Queued() },
        { "running", TaskStates.Running() },
        { "succeeded", Succeeded() },
        { "dead-lettered", DeadLettered() },
        { "cancelled", Cancelled() },
        { "waiting on dependencies", Queued() with { Status = TaskStatus.WaitingOnDependencies, RequiresApproval = true } },
    };

    [Theory]
    [MemberData(nameof(NotAwaiting))]
    public void A_decision_on_a_task_not_awaiting_approval_is_refused(string name, TaskInfo state)
    {
        foreach (var action in Enum.GetValues<ApprovalAction>())
        {
            var t = TaskLifecycle.Apply(state, ApprovalRules.CommandFor(Request(action, "why", "1", "1")), Now);
            Assert.False(t.Accepted, $"{name}: {action} was accepted");
            Assert.Contains("not awaiting approval", t.Rejection, StringComparison.Ordinal);
        }
    }

    public static TheoryData<string, ApprovalRequest, string> BadRequests => new()
    {
        { "no one decides", Request(ApprovalAction.Accept) with { By = " " }, ErrorCodes.Validation },
        { "by too long", Request(ApprovalAction.Accept) with { By = new string('x', 201) }, ErrorCodes.Validation },
        { "reject without reason", Request(ApprovalAction.Reject), ErrorCodes.Validation },
        { "modify without payload", Request(ApprovalAction.Modify), ErrorCodes.Validation },
        { "modify with malformed payload", Request(ApprovalAction.Modify, payload: "{nope"), ErrorCodes.MalformedPayload },
        { "modify with oversized payload", Request(ApprovalAction.Modify, payload: $"\"{new string('x', 300 * 1024)}\""), ErrorCodes.PayloadTooLarge },
        { "take over with malformed result", Request(ApprovalAction.TakeOver, result: "[1,"), ErrorCodes.MalformedPayload },
        { "unknown decision", Request((ApprovalAction)42), ErrorCodes.Validation },
        { "comment too long", Request(ApprovalAction.Accept, new string('x', 5000)), ErrorCodes.Validation },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public void A_malformed_decision_is_refused_before_anything_changes(string name, ApprovalRequest request, string code)
    {
        Assert.True(ApprovalRules.Validate(request, new TaskLimits()) is { } error && error.Code == code, name);
    }
}
