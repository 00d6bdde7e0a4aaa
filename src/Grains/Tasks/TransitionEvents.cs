using System.Globalization;
using OmniActors.Domain;

namespace OmniActors.Tasks;

/// <summary>The lifecycle events a stored transition publishes, shared by the task grain and the partition's batch path.</summary>
internal static class TransitionEvents
{
    /// <summary>The events of <paramref name="transition"/> (from <paramref name="before"/>, null for a new task), stamped with <paramref name="silo"/>.</summary>
    public static IReadOnlyList<TaskLifecycleEvent> Of(Transition transition, TaskInfo? before, DateTimeOffset now, string silo)
    {
        var next = transition.State!;
        if (transition.Events.Count == 0)
        {
            return [];
        }
        var published = new TaskLifecycleEvent[transition.Events.Count];
        for (var i = 0; i < published.Length; i++)
        {
            var e = transition.Events[i];
            published[i] = new TaskLifecycleEvent(next.Id, next.Queue, next.Action, e, next.Attempt, now, DetailOf(e, next),
                TaskLifecycleEvent.ElapsedFor(e, before, now), silo);
        }
        return published;
    }

    /// <summary>What an event says beyond its type: the error, the next attempt's time, the cancel reason.</summary>
    private static string? DetailOf(TaskEventType type, TaskInfo state) => type switch
    {
        TaskEventType.Error or TaskEventType.DeadLettered => state.LastError?.Message,
        TaskEventType.Retry => state.DueAt?.ToString("O", CultureInfo.InvariantCulture),
        TaskEventType.Cancelled => state.CancelReason,
        _ => null,
    };
}
