using OmniActors.Lifecycle;
using OmniActors.Tasks;

namespace OmniActors.Domain.Tests.Lifecycle;

public sealed class EventLogRowsTests
{
    public static TheoryData<TaskEventType> EveryTaskEventType => new(Enum.GetValues<TaskEventType>());

    [Theory]
    [MemberData(nameof(EveryTaskEventType))]
    public void Every_task_event_type_is_logged_under_a_name_the_log_filter_accepts(TaskEventType type)
    {
        var name = EventLogRows.TypeName(type);

        Assert.Contains(name, LifecycleEventTypes.Task);
        Assert.Equal(name, name.ToLowerInvariant());
    }

    [Theory]
    [InlineData(TaskEventType.DeadLettered, "dead_lettered")]
    [InlineData(TaskEventType.AwaitingApproval, "awaiting_approval")]
    [InlineData(TaskEventType.WaitingOnDependencies, "waiting_on_dependencies")]
    [InlineData(TaskEventType.Complete, "complete")]
    public void Task_event_names_are_snake_case(TaskEventType type, string expected) =>
        Assert.Equal(expected, EventLogRows.TypeName(type));
}
