using OmniActors.Errors;
using OmniActors.Tasks;
using OmniActors.Tests.Support;
using TaskStatus = OmniActors.Tasks.TaskStatus;

namespace OmniActors.Tests.Tasks;

public abstract class SmokeTests(TaskClusterFixture fixture)
{
    [Fact]
    public async Task An_echo_task_succeeds_with_its_payload_as_result()
    {
        var submitted = await fixture.Omni.EnqueueAsync("echo", new { hello = "world" });
        var done = await fixture.Omni.WaitAsync(submitted.Task.Id, TimeSpan.FromSeconds(20));
        Assert.Equal(TaskStatus.Succeeded, done.Status);
        Assert.Equal("{\"hello\":\"world\"}", done.Result);
    }

    [Fact]
    public async Task An_unknown_action_is_refused_with_a_typed_exception()
    {
        var ex = await Assert.ThrowsAsync<TaskValidationException>(() => fixture.Omni.EnqueueAsync("no-such-action", null));
        Assert.Equal(ErrorCodes.UnknownAction, ex.Code);
    }
}

[Collection(SqliteClusterCollection.Name)]
public sealed class SqliteSmokeTests(SqliteTaskCluster fixture) : SmokeTests(fixture);

[Collection(PostgresClusterCollection.Name)]
public sealed class PostgresSmokeTests(PostgresTaskCluster fixture) : SmokeTests(fixture);
