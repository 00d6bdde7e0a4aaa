using OmniActors.Domain;
using OmniActors.Tasks;
using TaskStatus = OmniActors.Tasks.TaskStatus;

namespace OmniActors.Tests.Domain;

/// <summary>
/// The task table's compare-and-set update writes only the columns a transition may change (<c>SqlTaskStore.UpdateSql</c>);
/// queue, partition, action, priority, retry policy, timeout, result TTL, creation time, key, fingerprint, dependencies,
/// workflow and trace context are written once, at insert. This holds that promise over every command from every state.
/// </summary>
public sealed class TaskLifecycleFixedColumnsTests
{
    private static readonly DateTimeOffset Now = TaskStates.Now;

    private static readonly TaskInfo[] States =
    [
        TaskStates.Queued() with { Priority = 7, IdempotencyKey = "k", SpecHash = "h", WorkflowId = "wf", WorkflowKey = "a",
            TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", TraceState = "vendor=1" },
        TaskStates.Scheduled(Now.AddMinutes(-1)),
        TaskStates.Running(),
        TaskStates.Running(attempt: 3),
        TaskStates.Retrying(Now.AddMinutes(-1)),
        TaskStates.Succeeded(),
        TaskStates.Queued() with { Status = TaskStatus.DeadLettered, Attempt = 3, FinishedAt = Now },
        TaskStates.Queued() with { Status = TaskStatus.AwaitingApproval, RequiresApproval = true },
        TaskStates.Queued() with { Status = TaskStatus.WaitingOnDependencies, DependsOn = ["dep-1"] },
    ];

    private static readonly TaskCommand[] Commands =
    [
        new TaskCommand.Start("silo-b", TaskStates.Lease),
        new TaskCommand.Heartbeat(1, TaskStates.Lease),
        new TaskCommand.Complete(1, "42"),
        new TaskCommand.Fail(1, "System.IO.IOException", "disk", NonRetryable: false, JitterSample: 0.5),
        new TaskCommand.Fail(3, "System.IO.IOException", "disk", NonRetryable: true, JitterSample: 0.5),
        new TaskCommand.ExpireLease(0.5),
        new TaskCommand.Interrupt(1),
        new TaskCommand.Cancel("no longer needed"),
        new TaskCommand.Requeue(),
        new TaskCommand.ReleaseDependencies(),
        new TaskCommand.AbandonDependencies("dep-1 failed", Skip: true),
        new TaskCommand.AbandonDependencies("dep-1 failed", Skip: false),
        new TaskCommand.Approve("ada", "fine", NewPayload: """{"to":"bob"}"""),
        new TaskCommand.Reject("ada", "no"),
        new TaskCommand.TakeOver("ada", "43", "done by hand"),
    ];

    [Fact]
    public void No_transition_changes_a_column_fixed_at_creation()
    {
        var accepted = 0;
        foreach (var state in States)
        {
            foreach (var command in Commands)
            {
                var transition = TaskLifecycle.Apply(state, command, Now);
                if (!transition.Accepted)
                {
                    continue;
                }
                accepted++;
                var after = transition.State!;
                var what = $"{command.GetType().Name} from {state.Status}";
                Assert.True(FixedColumns(state).SequenceEqual(FixedColumns(after)), what);
            }
        }
        Assert.True(accepted >= 15, $"only {accepted} transitions were accepted: the table of states and commands no longer exercises them");
    }

    private static object?[] FixedColumns(TaskInfo t) =>
    [
        t.Id, t.Queue, t.Partition, t.Action, t.Priority, t.Retry, t.Timeout, t.ResultTtl, t.CreatedAt, t.IdempotencyKey, t.SpecHash,
        string.Join(",", t.DependsOn), t.RunWhen, t.OnDependencyFailure, t.WorkflowId, t.WorkflowKey, t.TraceParent, t.TraceState,
    ];
}
