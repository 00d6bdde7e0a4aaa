using OmniActors.Schedules;

namespace OmniActors.Domain.Schedules;

/// <summary>A schedule's bounded history of fires, kept oldest first in its state.</summary>
public static class ScheduleHistory
{
    /// <summary>Entries kept; older ones are dropped.</summary>
    public const int Capacity = 100;

    /// <summary>Appends <paramref name="entry"/>, dropping the oldest beyond <see cref="Capacity"/>.</summary>
    public static void Append(List<ScheduleFire> history, ScheduleFire entry)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(entry);
        history.Add(entry);
        if (history.Count > Capacity)
        {
            history.RemoveRange(0, history.Count - Capacity);
        }
    }

    /// <summary>The newest <paramref name="limit"/> entries, newest first.</summary>
    public static IReadOnlyList<ScheduleFire> Newest(IReadOnlyList<ScheduleFire> history, int limit)
    {
        ArgumentNullException.ThrowIfNull(history);
        return history.Reverse().Take(Math.Clamp(limit, 0, Capacity)).ToList();
    }
}
