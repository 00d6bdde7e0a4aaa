using System.Diagnostics;
using System.Net;
using OmniActors.Client;
using OmniActors.Errors;
using OmniActors.Routing;
using OmniActors.Tasks;
using OmniActors.Tests.Events;
using OmniActors.Tests.Http;
using OmniActors.Tests.Support;
using OmniActors.Tracing;
using Orleans;

namespace OmniActors.Tests.Tracing;

/// <summary>
/// One trace from the request that enqueued a task to the handler that ran it: the W3C context stored with the task is the
/// parent of an Activity around every attempt, on the batch path and the task grain's, across retries, and for tasks a
/// webhook's routing rules enqueue.
/// </summary>
[Collection(TracingCollection.Name)]
public sealed class TracingTests(SqliteTracingSilo silo) : IDisposable
{
    private readonly HttpClient _api = silo.CreateApiClient();

    public void Dispose()
    {
        _api.Dispose();
        GC.SuppressFinalize(this);
    }

    private static (ActivityTraceId TraceId, ActivitySpanId SpanId, string Header) NewCaller()
    {
        var traceId = ActivityTraceId.CreateRandom();
        var spanId = ActivitySpanId.CreateRandom();
        return (traceId, spanId, $"00-{traceId}-{spanId}-01");
    }

    private HttpClient Client(string? traceParent, string? traceState = null, bool apiKey = true)
    {
        var client = apiKey ? silo.CreateApiClient() : silo.CreateClient();
        if (traceParent is not null)
        {
            client.DefaultRequestHeaders.TryAddWithoutValidation("traceparent", traceParent);
        }
        if (traceState is not null)
        {
            client.DefaultRequestHeaders.TryAddWithoutValidation("tracestate", traceState);
        }
        return client;
    }

    /// <summary>The server span ASP.NET Core recorded for a request the caller sent as a child of its span.</summary>
    private Task<Activity> ServerSpanAsync(ActivityTraceId traceId, ActivitySpanId callerSpan) =>
        Eventually.Until(() => Task.FromResult(silo.Spans.Snapshot().FirstOrDefault(a =>
                a.Kind == ActivityKind.Server && a.TraceId == traceId && a.ParentSpanId == callerSpan)),
            a => a is not null, Api.Deadline, "the request's server span is exported").ContinueWith(t => t.Result!, TaskScheduler.Default);

    private Task<IReadOnlyList<Activity>> AttemptSpansAsync(string taskId, int count) =>
        Eventually.Until(() => Task.FromResult(silo.Spans.Attempts(taskId)), a => a.Count >= count, Api.Deadline,
            $"{count} attempt spans of {taskId} are exported");

    private static void AssertAttemptTags(Activity span, string taskId, int attempt, string queue, string outcome)
    {
        Assert.Equal(OmniActivities.SourceName, span.Source.Name);
        Assert.Equal(ActivityKind.Consumer, span.Kind);
        Assert.Equal(taskId, span.GetTagItem(OmniActivities.Tags.TaskId));
        Assert.Equal(attempt, span.GetTagItem(OmniActivities.Tags.Attempt));
        Assert.Equal(queue, span.GetTagItem(OmniActivities.Tags.Queue));
        Assert.Equal("test-trace", span.GetTagItem(OmniActivities.Tags.Action));
        Assert.False(string.IsNullOrEmpty((string?)span.GetTagItem(OmniActivities.Tags.Silo)));
        Assert.Equal(outcome, span.GetTagItem(OmniActivities.Tags.Outcome));
    }

    [Fact]
    public async Task The_handler_of_a_task_enqueued_over_HTTP_runs_in_the_trace_of_that_request()
    {
        var (traceId, callerSpan, header) = NewCaller();
        var queue = Api.UniqueQueue("trace");
        using var client = Client(header, "vendor=abc");

        var task = await client.EnqueueAsync(new { action = "test-trace", queue });
        await _api.UntilStatusAsync(task.Id(), "succeeded");

        var server = await ServerSpanAsync(traceId, callerSpan);
        var attempt = Assert.Single(await AttemptSpansAsync(task.Id(), 1));
        Assert.Equal(traceId, attempt.TraceId);
        Assert.Equal(server.SpanId, attempt.ParentSpanId);
        Assert.Equal("vendor=abc", attempt.TraceStateString);
        AssertAttemptTags(attempt, task.Id(), 1, queue, "succeeded");
        var seen = Assert.Single(silo.Handler.Seen[task.Id()]);
        Assert.Equal(traceId, seen.TraceId);
        Assert.Equal(attempt.SpanId, seen.SpanId);
        // Stored with the task: the API shows it and the row holds it.
        Assert.Equal($"00-{traceId}-{server.SpanId}-01", task.GetProperty("traceParent").GetString());
        Assert.Equal("vendor=abc", await silo.Database.ScalarAsync("SELECT trace_state FROM omni_tasks WHERE id = @id", ("@id", task.Id())));
    }

    [Fact]
    public async Task A_retried_task_has_both_attempts_in_the_trace_that_enqueued_it_with_their_attempt_and_outcome()
    {
        var (traceId, callerSpan, header) = NewCaller();
        var queue = Api.UniqueQueue("trace-retry");
        using var client = Client(header);

        var task = await client.EnqueueAsync(new { action = "test-trace", queue, payload = new { failUntil = 2 }, retry = new { maxAttempts = 3 } });
        await _api.UntilStatusAsync(task.Id(), "succeeded");

        var server = await ServerSpanAsync(traceId, callerSpan);
        var attempts = await AttemptSpansAsync(task.Id(), 2);
        Assert.Equal(2, attempts.Count);
        Assert.All(attempts, a => Assert.Equal(traceId, a.TraceId));
        Assert.All(attempts, a => Assert.Equal(server.SpanId, a.ParentSpanId));
        AssertAttemptTags(attempts[0], task.Id(), 1, queue, "failed");
        Assert.Equal(typeof(InvalidOperationException).FullName, attempts[0].GetTagItem(OmniActivities.Tags.ErrorType));
        Assert.Equal(ActivityStatusCode.Error, attempts[0].Status);
        AssertAttemptTags(attempts[1], task.Id(), 2, queue, "succeeded");
        Assert.Null(attempts[1].GetTagItem(OmniActivities.Tags.ErrorType));
        Assert.Equal(ActivityStatusCode.Unset, attempts[1].Status);
        Assert.Equal([1, 2], silo.Handler.Seen[task.Id()].Select(s => s.Attempt));
        Assert.All(silo.Handler.Seen[task.Id()], s => Assert.Equal(traceId, s.TraceId));
    }

    [Fact]
    public async Task Every_task_of_a_batch_and_every_node_of_a_workflow_runs_in_the_trace_of_its_request()
    {
        var (traceId, callerSpan, header) = NewCaller();
        var queue = Api.UniqueQueue("trace-batch");
        using var client = Client(header);

        var items = await client.PostJsonAsync("/api/tasks/batch", new { tasks = Enumerable.Range(0, 3).Select(_ => new { action = "test-trace", queue }) })
            .ExpectAsync(HttpStatusCode.OK);
        // A workflow's second node waits on the first: its task grain starts it (the grain path, not the batch path).
        var workflow = await client.PostJsonAsync("/api/workflows", new
        {
            nodes = new[] { new { key = "a", task = new { action = "test-trace", queue } }, new { key = "b", task = new { action = "test-trace", queue } } },
            edges = new[] { new { from = "a", to = "b" } },
        }).ExpectAsync(HttpStatusCode.Created);

        var ids = items.EnumerateArray().Select(i => i.GetProperty("task").Id())
            .Concat(workflow.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("taskId").GetString()!)).ToList();
        Assert.Equal(5, ids.Count);
        foreach (var id in ids)
        {
            await _api.UntilStatusAsync(id, "succeeded");
            var attempt = Assert.Single(await AttemptSpansAsync(id, 1));
            Assert.Equal(traceId, attempt.TraceId);
            Assert.Equal(traceId, Assert.Single(silo.Handler.Seen[id]).TraceId);
        }
        Assert.Equal(2, silo.Spans.Snapshot().Count(a => a.Kind == ActivityKind.Server && a.TraceId == traceId && a.ParentSpanId == callerSpan));
    }

    [Fact]
    public async Task A_task_routed_from_a_webhook_runs_in_the_trace_of_its_ingest_which_continues_the_webhook_request()
    {
        var (traceId, callerSpan, header) = NewCaller();
        var queue = Api.UniqueQueue("trace-hook");
        var prefix = "/traced-" + Guid.NewGuid().ToString("N")[..6];
        var rule = await _api.PostJsonAsync("/api/routes", new { name = "traced", provider = "telegram", text_prefix = prefix, action = "test-trace", queue })
            .ExpectAsync(HttpStatusCode.Created);
        using var hooks = Client(header, apiKey: false);

        long update = Telegram.Unique(), chat = Telegram.Unique();
        await hooks.PostAsync(Telegram.Message(update, Telegram.Unique(), chat, prefix + " go")).ExpectAsync(HttpStatusCode.OK);
        var e = Assert.Single(await _api.UntilChatEventsAsync(chat, 1));
        var taskId = EventRouter.TaskId(e.GetProperty("id").GetString()!, rule.GetProperty("id").GetString()!);
        await _api.UntilTaskAsync(taskId, "succeeded");

        var server = await ServerSpanAsync(traceId, callerSpan);
        var ingest = await Eventually.Until(() => Task.FromResult(silo.Spans.Snapshot().FirstOrDefault(a =>
            a.OperationName == OmniActivities.IngestName && a.TraceId == traceId)), a => a is not null, Api.Deadline, "the ingest span is exported");
        Assert.Equal(server.SpanId, ingest!.ParentSpanId);
        Assert.Equal("telegram", ingest.GetTagItem(OmniActivities.Tags.Provider));
        Assert.Equal(EventFabricFactory.TelegramInstance, ingest.GetTagItem(OmniActivities.Tags.Instance));
        var attempt = Assert.Single(await AttemptSpansAsync(taskId, 1));
        Assert.Equal(traceId, attempt.TraceId);
        Assert.Equal(ingest.SpanId, attempt.ParentSpanId);
        Assert.Equal(traceId, Assert.Single(silo.Handler.Seen[taskId]).TraceId);
    }

    [Fact]
    public async Task A_task_enqueued_through_the_client_inside_a_recorded_activity_runs_in_its_trace()
    {
        using var source = new ActivitySource("OmniActors.Tests.Caller");
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s == source,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        var omni = new OmniClient(silo.Service<IClusterClient>());
        var queue = Api.UniqueQueue("trace-client");

        SubmitResult submitted;
        ActivityContext caller;
        using (var activity = source.StartActivity("place-order"))
        {
            caller = activity!.Context;
            submitted = await omni.EnqueueAsync(new TaskSpec { Action = "test-trace", Queue = queue });
        }
        Activity.Current = null;
        await omni.WaitAsync(submitted.Task.Id, Api.Deadline);

        Assert.Equal(TaskTrace.Format(caller), submitted.Task.TraceParent);
        var attempt = Assert.Single(await AttemptSpansAsync(submitted.Task.Id, 1));
        Assert.Equal(caller.TraceId, attempt.TraceId);
        Assert.Equal(caller.SpanId, attempt.ParentSpanId);
        Assert.Equal(caller.TraceId, Assert.Single(silo.Handler.Seen[submitted.Task.Id]).TraceId);
    }

    [Fact]
    public async Task An_unsampled_request_stores_no_trace_context_and_its_attempt_starts_a_trace_of_its_own()
    {
        var traceId = ActivityTraceId.CreateRandom();
        using var client = Client($"00-{traceId}-{ActivitySpanId.CreateRandom()}-00");

        var task = await client.EnqueueAsync(new { action = "test-trace", queue = Api.UniqueQueue("trace-unsampled") });
        await _api.UntilStatusAsync(task.Id(), "succeeded");

        Assert.False(task.TryGetProperty("traceParent", out _));
        Assert.Null(await silo.Database.ScalarAsync("SELECT trace_parent FROM omni_tasks WHERE id = @id", ("@id", task.Id())));
        var attempt = Assert.Single(await AttemptSpansAsync(task.Id(), 1));
        Assert.NotEqual(traceId, attempt.TraceId);
        Assert.Equal(default, attempt.ParentSpanId);
    }

    [Fact]
    public async Task A_malformed_traceparent_header_is_ignored_as_W3C_asks_and_the_task_joins_the_new_trace_its_request_started()
    {
        using var client = Client("00-not-a-trace-01");

        var task = await client.EnqueueAsync(new { action = "test-trace", queue = Api.UniqueQueue("trace-malformed") });
        await _api.UntilStatusAsync(task.Id(), "succeeded");

        var stored = task.GetProperty("traceParent").GetString();
        Assert.True(TaskTrace.TryParse(stored, null, out var context), $"stored traceparent '{stored}' is well formed");
        Assert.Equal(context.TraceId, Assert.Single(await AttemptSpansAsync(task.Id(), 1)).TraceId);
    }

    [Fact]
    public async Task A_malformed_trace_context_given_explicitly_through_the_client_is_refused_with_a_code()
    {
        var omni = new OmniClient(silo.Service<IClusterClient>());

        var bad = await Assert.ThrowsAsync<TaskValidationException>(() =>
            omni.EnqueueAsync(new TaskSpec { Action = "test-trace", TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331" }));
        Assert.Equal(ErrorCodes.Validation, bad.Code);
        Assert.Contains("traceParent", bad.Message, StringComparison.Ordinal);
    }
}
