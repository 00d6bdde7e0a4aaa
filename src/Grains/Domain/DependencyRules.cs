using OmniActors.Tasks;
using TaskStatus = OmniActors.Tasks.TaskStatus;

namespace OmniActors.Domain;

/// <summary>What a waiting task should do given how its dependencies stand.</summary>
public enum DependencyVerdict
{
    /// <summary>Some dependency that matters has not ended yet.</summary>
    Wait,
    /// <summary>The condition holds: release it.</summary>
    Release,
    /// <summary>A dependency it needed to succeed did not: fail or cancel it per its policy.</summary>
    Abandon,
    /// <summary>Its continuation condition can no longer come true (e.g. on failure, but all succeeded): cancel it.</summary>
    Skip,
}

/// <summary>Decides when a task waiting on dependencies runs. Pure.</summary>
public static class DependencyRules
{
    /// <summary>
    /// The verdict for <paramref name="dependent"/> given its dependencies' current states (null: the dependency no
    /// longer exists, which counts as not succeeded), with a detail naming the dependency that decided it.
    /// </summary>
    public static (DependencyVerdict Verdict, string? Detail) Evaluate(TaskInfo dependent, IReadOnlyDictionary<string, TaskStatus?> dependencies)
    {
        ArgumentNullException.ThrowIfNull(dependent);
        ArgumentNullException.ThrowIfNull(dependencies);
        string? firstFailed = null;
        var pending = false;
        foreach (var id in dependent.DependsOn)
        {
            var status = dependencies.GetValueOrDefault(id);
            if (status is null)
            {
                firstFailed ??= $"Dependency {id} no longer exists.";
            }
            else if (!status.Value.IsTerminal())
            {
                pending = true;
            }
            else if (status != TaskStatus.Succeeded)
            {
                firstFailed ??= $"Dependency {id} ended {Name(status.Value)}.";
            }
        }
        return dependent.RunWhen switch
        {
            // A needed dependency failed: no point waiting for the others.
            DependencyCondition.AllSucceeded when firstFailed is not null => (DependencyVerdict.Abandon, firstFailed),
            _ when pending => (DependencyVerdict.Wait, null),
            DependencyCondition.AllSucceeded => (DependencyVerdict.Release, null),
            DependencyCondition.AnyFailed when firstFailed is null =>
                (DependencyVerdict.Skip, "Skipped: it runs on a dependency's failure, and every dependency succeeded."),
            _ => (DependencyVerdict.Release, null),
        };
    }

    /// <summary>The command that carries out a verdict, or null to keep waiting.</summary>
    public static TaskCommand? CommandFor(DependencyVerdict verdict, string? detail) => verdict switch
    {
        DependencyVerdict.Release => new TaskCommand.ReleaseDependencies(),
        DependencyVerdict.Abandon => new TaskCommand.AbandonDependencies(detail ?? "A dependency failed.", Skip: false),
        DependencyVerdict.Skip => new TaskCommand.AbandonDependencies(detail ?? "Skipped.", Skip: true),
        _ => null,
    };

    private static string Name(TaskStatus status) => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(status.ToString());
}
