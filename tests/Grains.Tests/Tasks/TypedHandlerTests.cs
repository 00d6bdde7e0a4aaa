using OmniActors.Actions;
using OmniActors.Tests.Support;
using TaskStatus = OmniActors.Tasks.TaskStatus;

namespace OmniActors.Tests.Tasks;

/// <summary>The payload <see cref="GreetAction"/> binds.</summary>
public sealed record Greeting(string Name, int Times);

/// <summary>The result <see cref="GreetAction"/> returns.</summary>
public sealed record Greeted(string Text, int Attempt, string Silo);

/// <summary><c>test-greet</c>: a typed handler, payload bound to <see cref="Greeting"/>, result a <see cref="Greeted"/>.</summary>
public sealed class GreetAction : ActionHandler<Greeting, Greeted>
{
    protected override Task<Greeted> HandleAsync(Greeting payload, ActionContext context) =>
        Task.FromResult(new Greeted(string.Join(", ", Enumerable.Repeat($"Hello {payload.Name}", payload.Times)), context.Attempt, context.Silo));
}

/// <summary>A typed handler (<see cref="ActionHandler{TPayload,TResult}"/>) as an app writes one: the payload arrives as a record,
/// the result goes out as JSON and reads back as a record; a payload that cannot bind fails for good.</summary>
public abstract class TypedHandlerTests(TaskClusterFixture fixture)
{
    [Fact]
    public async Task A_typed_handler_gets_its_payload_as_a_record_and_its_result_reads_back_as_one()
    {
        var submitted = await fixture.Omni.EnqueueAsync("test-greet", new { name = "Ada", times = 2 });

        var greeted = await fixture.Omni.GetResultAsync<Greeted>(submitted.Task.Id, TimeSpan.FromSeconds(20));

        Assert.NotNull(greeted);
        Assert.Equal("Hello Ada, Hello Ada", greeted.Text);
        Assert.Equal(1, greeted.Attempt);
        Assert.False(string.IsNullOrEmpty(greeted.Silo));
        var stored = await fixture.Omni.GetAsync(submitted.Task.Id);
        // Stored with the web JSON rules, so HTTP callers and other languages read camelCase.
        Assert.Contains("\"text\":\"Hello Ada, Hello Ada\"", stored!.Result, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Payload_names_bind_case_insensitively()
    {
        var submitted = await fixture.Omni.EnqueueAsync("test-greet", new Dictionary<string, object> { ["NAME"] = "Grace", ["Times"] = 1 });

        var greeted = await fixture.Omni.GetResultAsync<Greeted>(submitted.Task.Id, TimeSpan.FromSeconds(20));

        Assert.Equal("Hello Grace", greeted!.Text);
    }

    [Theory]
    [InlineData("""{"name":"Ada","times":"twice"}""")]
    [InlineData("null")]
    public async Task A_payload_that_does_not_bind_is_dead_lettered_on_its_first_attempt(string payload)
    {
        var submitted = await fixture.Omni.EnqueueAsync(new OmniActors.Tasks.TaskSpec
        {
            Action = "test-greet",
            Payload = payload,
            Retry = new OmniActors.Tasks.RetryPolicy { MaxAttempts = 5 },
        });

        var done = await fixture.Omni.WaitAsync(submitted.Task.Id, TimeSpan.FromSeconds(20));

        Assert.Equal(TaskStatus.DeadLettered, done.Status);
        Assert.Equal(1, done.Attempt);
        Assert.Contains("Greeting payload", done.LastError!.Message, StringComparison.Ordinal);
    }
}

[Collection(SqliteClusterCollection.Name)]
public sealed class SqliteTypedHandlerTests(SqliteTaskCluster fixture) : TypedHandlerTests(fixture);

[Collection(PostgresClusterCollection.Name)]
public sealed class PostgresTypedHandlerTests(PostgresTaskCluster fixture) : TypedHandlerTests(fixture);
