using OmniActors.Domain;
using OmniActors.Tasks;
using OmniActors.Tests.Domain;
using TaskStatus = OmniActors.Tasks.TaskStatus;

namespace OmniActors.Tests.Workflows;

/// <summary>When a task waiting on dependencies runs, fails, is cancelled or keeps waiting.</summary>
public sealed class DependencyRulesTests
{
    private const TaskStatus Missing = (TaskStatus)(-1); // stands for "the dependency no longer exists" in the table below

    private static TaskInfo Waiting(DependencyCondition when, params string[] dependsOn) => TaskStates.Queued() with
    {
        Status = TaskStatus.WaitingOnDependencies,
        DependsOn = dependsOn,
        RunWhen = when,
    };

    public static TheoryData<string, DependencyCondition, TaskStatus, TaskStatus, DependencyVerdict> Cases => new()
    {
        // name, condition, state of a, state of b, verdict
        { "both succeeded", DependencyCondition.AllSucceeded, TaskStatus.Succeeded, TaskStatus.Succeeded, DependencyVerdict.Release },
        { "one still running", DependencyCondition.AllSucceeded, TaskStatus.Succeeded, TaskStatus.Running, DependencyVerdict.Wait },
        { "one retrying", DependencyCondition.AllSucceeded, TaskStatus.Retrying, TaskStatus.Succeeded, DependencyVerdict.Wait },
        { "one waiting itself", DependencyCondition.AllSucceeded, TaskStatus.WaitingOnDependencies, TaskStatus.Succeeded, DependencyVerdict.Wait },
        { "one awaiting approval", DependencyCondition.AllSucceeded, TaskStatus.AwaitingApproval, TaskStatus.Succeeded, DependencyVerdict.Wait },
        { "one dead-lettered, other running", DependencyCondition.AllSucceeded, TaskStatus.DeadLettered, TaskStatus.Running, DependencyVerdict.Abandon },
        { "one cancelled", DependencyCondition.AllSucceeded, TaskStatus.Succeeded, TaskStatus.Cancelled, DependencyVerdict.Abandon },
        { "one rejected", DependencyCondition.AllSucceeded, TaskStatus.Rejected, TaskStatus.Succeeded, DependencyVerdict.Abandon },
        { "one purged", DependencyCondition.AllSucceeded, Missing, TaskStatus.Succeeded, DependencyVerdict.Abandon },
        { "on failure: one failed, all ended", DependencyCondition.AnyFailed, TaskStatus.DeadLettered, TaskStatus.Succeeded, DependencyVerdict.Release },
        { "on failure: one failed, other running", DependencyCondition.AnyFailed, TaskStatus.DeadLettered, TaskStatus.Running, DependencyVerdict.Wait },
        { "on failure: all succeeded", DependencyCondition.AnyFailed, TaskStatus.Succeeded, TaskStatus.Succeeded, DependencyVerdict.Skip },
        { "on failure: cancelled counts as failed", DependencyCondition.AnyFailed, TaskStatus.Cancelled, TaskStatus.Succeeded, DependencyVerdict.Release },
        { "on any end: mixed ends", DependencyCondition.AllEnded, TaskStatus.DeadLettered, TaskStatus.Succeeded, DependencyVerdict.Release },
        { "on any end: one queued", DependencyCondition.AllEnded, TaskStatus.Queued, TaskStatus.Succeeded, DependencyVerdict.Wait },
        { "on any end: one purged", DependencyCondition.AllEnded, Missing, TaskStatus.Cancelled, DependencyVerdict.Release },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Verdict_follows_the_condition_and_the_dependencies(string name, DependencyCondition when, TaskStatus a, TaskStatus b, DependencyVerdict expected)
    {
        var states = new Dictionary<string, TaskStatus?>
        {
            ["a"] = a == Missing ? null : a,
            ["b"] = b == Missing ? null : b,
        };

        var (verdict, detail) = DependencyRules.Evaluate(Waiting(when, "a", "b"), states);

        Assert.True(expected == verdict, $"{name}: expected {expected}, got {verdict} ({detail})");
        Assert.Equal(verdict is DependencyVerdict.Abandon or DependencyVerdict.Skip, detail is not null);
    }

    [Fact]
    public void The_detail_names_the_failed_dependency_and_how_it_ended()
    {
        var (_, detail) = DependencyRules.Evaluate(Waiting(DependencyCondition.AllSucceeded, "a", "b"),
            new Dictionary<string, TaskStatus?> { ["a"] = TaskStatus.Succeeded, ["b"] = TaskStatus.DeadLettered });

        Assert.Equal("Dependency b ended dead_lettered.", detail);
    }

    [Fact]
    public void A_dependency_absent_from_the_answers_counts_as_gone()
    {
        var (verdict, detail) = DependencyRules.Evaluate(Waiting(DependencyCondition.AllSucceeded, "a"), new Dictionary<string, TaskStatus?>());

        Assert.Equal(DependencyVerdict.Abandon, verdict);
        Assert.Equal("Dependency a no longer exists.", detail);
    }

    [Theory]
    [InlineData(DependencyVerdict.Wait, null)]
    [InlineData(DependencyVerdict.Release, typeof(TaskCommand.ReleaseDependencies))]
    [InlineData(DependencyVerdict.Abandon, typeof(TaskCommand.AbandonDependencies))]
    [InlineData(DependencyVerdict.Skip, typeof(TaskCommand.AbandonDependencies))]
    public void Each_verdict_maps_to_its_command(DependencyVerdict verdict, Type? command)
    {
        Assert.Equal(command, DependencyRules.CommandFor(verdict, "why")?.GetType());
    }
}
