using System.Text.Json;
using System.Text.Json.Nodes;
using OmniActors.Errors;
using OmniActors.Tasks;
using OmniActors.Tests.Support;
using static OmniActors.Tests.Tasks.TaskTestKit;
using TaskStatus = OmniActors.Tasks.TaskStatus;

namespace OmniActors.Tests.Workflows;

/// <summary>Tasks that depend on others: they wait, run once their dependencies ended as they need, or fail or are cancelled visibly.</summary>
public abstract class DependencyTests(TaskClusterFixture fixture)
{
    private Probe Probe => fixture.Probe;

    private async Task<string> Submit(TaskSpec spec) => (await fixture.Omni.EnqueueAsync(spec)).Task.Id;

    private static TaskSpec Record(string queue, object? payload = null) =>
        new() { Action = "test-record", Queue = queue, Payload = JsonSerializer.Serialize(payload ?? new { }) };

    [Fact]
    public async Task A_dependent_waits_for_its_dependency_then_runs_and_reads_its_result()
    {
        var queue = UniqueQueue("deps");
        var dependency = await Submit(new TaskSpec { Action = "test-block", Queue = queue });
        try
        {
            var dependent = await Submit(new TaskSpec { Action = "test-dependencies", Queue = queue, DependsOn = [dependency], Payload = """{"n":1}""" });

            Assert.Equal(TaskStatus.WaitingOnDependencies, (await fixture.Omni.GetAsync(dependent))?.Status);
            await Eventually.True(() => Probe.Executions.ContainsKey(dependency), Deadline, "the dependency starts");
            await HoldsFor(TimeSpan.FromMilliseconds(300), async () => !Probe.Executions.ContainsKey(dependent)
                && (await fixture.Omni.GetAsync(dependent))?.Status == TaskStatus.WaitingOnDependencies, "the dependent waits while its dependency runs");

            Probe.Gate(dependency).TrySetResult();

            var done = await fixture.Omni.EndsAs(dependent, TaskStatus.Succeeded);
            var seen = JsonNode.Parse(done.Result!)!["dependencies"]!.AsArray();
            var only = Assert.Single(seen);
            Assert.Equal(dependency, only!["taskId"]!.GetValue<string>());
            Assert.Equal("Succeeded", only["status"]!.GetValue<string>());
            Assert.True(only["result"]!["released"]!.GetValue<bool>());
            Assert.Equal([dependency], done.DependsOn);
        }
        finally
        {
            Probe.Gate(dependency).TrySetResult();
        }
    }

    [Fact]
    public async Task A_dependency_that_does_not_exist_is_refused_and_nothing_is_created()
    {
        var key = "deps-missing-" + Guid.NewGuid().ToString("N");
        var missing = "no-such-task-" + Guid.NewGuid().ToString("N");

        var ex = await Assert.ThrowsAsync<TaskValidationException>(() =>
            fixture.Omni.EnqueueAsync(Record(UniqueQueue("deps")) with { DependsOn = [missing], IdempotencyKey = key }));

        Assert.Equal(ErrorCodes.DependencyNotFound, ex.Code);
        Assert.Contains(missing, ex.Message, StringComparison.Ordinal);
        Assert.Null(await fixture.Omni.GetAsync(TaskIds.FromIdempotencyKey(key)));
        Assert.Equal(0L, Convert.ToInt64(await fixture.Database.ScalarAsync("SELECT COUNT(*) FROM omni_tasks WHERE idempotency_key = @key", ("@key", key)),
            System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task A_dependency_that_already_succeeded_releases_the_dependent_at_once()
    {
        var queue = UniqueQueue("deps");
        var dependency = await Submit(Record(queue, new { first = true }));
        await fixture.Omni.EndsAs(dependency, TaskStatus.Succeeded);

        var dependent = await Submit(Record(queue) with { DependsOn = [dependency] });

        await fixture.Omni.EndsAs(dependent, TaskStatus.Succeeded);
    }

    [Fact]
    public async Task A_failed_dependency_fails_its_dependents_down_the_chain_visibly()
    {
        var queue = UniqueQueue("deps");
        var root = await Submit(new TaskSpec { Action = "test-fail", Queue = queue, Payload = """{"permanent":true}""", Retry = FastRetry(1) });
        var middle = await Submit(Record(queue) with { DependsOn = [root] });
        var leaf = await Submit(Record(queue) with { DependsOn = [middle] });

        await fixture.Omni.EndsAs(root, TaskStatus.DeadLettered);
        var failedMiddle = await fixture.Omni.EndsAs(middle, TaskStatus.DeadLettered);
        var failedLeaf = await fixture.Omni.EndsAs(leaf, TaskStatus.DeadLettered);

        Assert.Equal("DependencyFailed", failedMiddle.LastError?.Type);
        Assert.Equal($"Dependency {root} ended dead_lettered.", failedMiddle.LastError?.Message);
        Assert.Equal($"Dependency {middle} ended dead_lettered.", failedLeaf.LastError?.Message);
        Assert.False(Probe.Executions.ContainsKey(middle));
        Assert.False(Probe.Executions.ContainsKey(leaf));
    }

    [Fact]
    public async Task A_cancelled_dependency_cancels_a_dependent_whose_policy_says_cancel()
    {
        var queue = UniqueQueue("deps");
        var dependency = await Submit(Record(queue) with { Delay = TimeSpan.FromHours(1) });
        var dependent = await Submit(Record(queue) with { DependsOn = [dependency], OnDependencyFailure = DependencyFailurePolicy.Cancel });

        await fixture.Omni.CancelAsync(dependency, "not needed");

        var cancelled = await fixture.Omni.EndsAs(dependent, TaskStatus.Cancelled);
        Assert.Equal($"Dependency {dependency} ended cancelled.", cancelled.CancelReason);
    }

    [Fact]
    public async Task Continuations_run_on_success_on_failure_or_on_any_end()
    {
        var queue = UniqueQueue("continuations");
        var succeeds = await Submit(Record(queue, new { ok = true }));
        var fails = await Submit(new TaskSpec { Action = "test-fail", Queue = queue, Payload = """{"permanent":true}""" });

        var onSuccess = await Submit(Record(queue) with { DependsOn = [succeeds], RunWhen = DependencyCondition.AllSucceeded });
        var onFailureOfFailed = await Submit(Record(queue) with { DependsOn = [fails], RunWhen = DependencyCondition.AnyFailed });
        var onFailureOfSucceeded = await Submit(Record(queue) with { DependsOn = [succeeds], RunWhen = DependencyCondition.AnyFailed });
        var onAnyEnd = await Submit(new TaskSpec { Action = "test-dependencies", Queue = queue, DependsOn = [succeeds, fails], RunWhen = DependencyCondition.AllEnded });

        await fixture.Omni.EndsAs(onSuccess, TaskStatus.Succeeded);
        await fixture.Omni.EndsAs(onFailureOfFailed, TaskStatus.Succeeded);
        var skipped = await fixture.Omni.EndsAs(onFailureOfSucceeded, TaskStatus.Cancelled);
        Assert.StartsWith("Skipped", skipped.CancelReason, StringComparison.Ordinal);
        var any = await fixture.Omni.EndsAs(onAnyEnd, TaskStatus.Succeeded);
        var statuses = JsonNode.Parse(any.Result!)!["dependencies"]!.AsArray().Select(d => d!["status"]!.GetValue<string>()).Order().ToList();
        Assert.Equal(["DeadLettered", "Succeeded"], statuses);
    }

    [Fact]
    public async Task Dependents_submitted_while_their_dependency_finishes_all_run()
    {
        // The race of a dependency ending while dependents register: each must either see it ended or be woken by it.
        var queue = UniqueQueue("deps-race");
        for (var round = 0; round < 3; round++)
        {
            var dependency = await Submit(Record(queue, new { round }));
            var dependents = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Submit(Record(queue, new { round, i }) with { DependsOn = [dependency] })));

            foreach (var id in dependents)
            {
                await fixture.Omni.EndsAs(id, TaskStatus.Succeeded);
            }
        }
    }

    [Fact]
    public async Task A_waiting_task_whose_wake_up_was_lost_is_released_by_the_sweep()
    {
        // As after a crash: the dependent is stored waiting, but its dependency ended without knowing of it.
        var queue = UniqueQueue("deps-sweep");
        var dependency = await Submit(Record(queue));
        await fixture.Omni.EndsAs(dependency, TaskStatus.Succeeded);
        var orphan = "orphan-" + Guid.NewGuid().ToString("N");
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await fixture.Database.ExecuteAsync(
            "INSERT INTO omni_tasks (id, queue, partition, action, payload, priority, status, attempt, retry_policy, timeout_ms, result_ttl_ms, " +
            "created_at, updated_at, version, depends_on, run_when, on_dependency_failure, requires_approval) VALUES " +
            "(@id, @queue, 0, 'test-record', '{}', 0, 'waiting', 0, @retry, 60000, 60000, @now, @now, 1, @deps, 'AllSucceeded', 'Fail', 0)",
            ("@id", orphan), ("@queue", queue), ("@retry", JsonSerializer.Serialize(RetryPolicy.Default)), ("@now", now),
            ("@deps", JsonSerializer.Serialize(new[] { dependency })));

        await fixture.Omni.EndsAs(orphan, TaskStatus.Succeeded);
        Assert.Equal(1, fixture.ExecutionsOf(orphan));
    }

    [Fact]
    public async Task Cancelling_a_waiting_task_ends_it_and_it_never_runs()
    {
        var queue = UniqueQueue("deps");
        var dependency = await Submit(new TaskSpec { Action = "test-block", Queue = queue });
        string dependent;
        try
        {
            dependent = await Submit(Record(queue) with { DependsOn = [dependency] });

            var cancelled = await fixture.Omni.CancelAsync(dependent, "changed plans");

            Assert.Equal(TaskStatus.Cancelled, cancelled.Status);
        }
        finally
        {
            Probe.Gate(dependency).TrySetResult();
        }
        await fixture.Omni.EndsAs(dependency, TaskStatus.Succeeded);
        await HoldsFor(TimeSpan.FromMilliseconds(300), () => Task.FromResult(!Probe.Executions.ContainsKey(dependent)), "a cancelled dependent never runs");
        Assert.Equal(TaskStatus.Cancelled, (await fixture.Omni.GetAsync(dependent))?.Status);
    }
}

[Collection(SqliteClusterCollection.Name)]
public sealed class SqliteDependencyTests(SqliteTaskCluster fixture) : DependencyTests(fixture);

[Collection(PostgresClusterCollection.Name)]
public sealed class PostgresDependencyTests(PostgresTaskCluster fixture) : DependencyTests(fixture);
