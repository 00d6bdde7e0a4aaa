using System.Net.Http.Json;
using System.Text.Json;

namespace OmniActors.Tests.Support;

/// <summary>A task as <c>/api/tasks</c> shows it, the fields these tests read.</summary>
public sealed record TaskView(string Id, string Status, int Attempt, string? IdempotencyKey);

/// <summary>What a client saw enqueuing with retries: the task ids in request order, and each failed try.</summary>
public sealed record EnqueueOutcome(IReadOnlyList<string> Ids, IReadOnlyList<string> Failures);

/// <summary>One <c>POST /api/tasks</c> answer: the status (0 when none came), its content type, the problem's <c>code</c> or the task id.</summary>
public sealed record PostAnswer(int Status, string? ContentType, string? Code, string? TaskId)
{
    /// <summary>2xx: the silo says it stored the task.</summary>
    public bool Accepted => Status is >= 200 and < 300;

    /// <summary>How the answer reads in a report: <c>503 application/problem+json storage_unavailable</c>.</summary>
    public override string ToString() => Status == 0 ? $"no answer ({Code})" : $"{Status} {ContentType} {Code}".TrimEnd();
}

/// <summary>The silo's task API over HTTP, as any client would use it.</summary>
public static class TaskApi
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Enqueues through <c>POST /api/tasks/batch</c> in batches; returns the task ids in order.</summary>
    public static async Task<IReadOnlyList<string>> EnqueueAsync(this SiloProcess silo, IReadOnlyList<object> tasks, int batchSize)
    {
        var ids = new List<string>(tasks.Count);
        foreach (var batch in tasks.Chunk(batchSize))
        {
            using var response = await silo.Http.PostAsJsonAsync(new Uri("/api/tasks/batch", UriKind.Relative), new { tasks = batch }, Json);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"POST /api/tasks/batch answered {(int)response.StatusCode}: {text}");
            var items = JsonSerializer.Deserialize<List<BatchItem>>(text, Json)!;
            Assert.Equal(batch.Length, items.Count);
            foreach (var item in items)
            {
                Assert.True(item.Task is not null, $"A batch item was refused: {item.Error?.Code} {item.Error?.Message}");
                ids.Add(item.Task.Id);
            }
        }
        return ids;
    }

    /// <summary>
    /// Enqueues like a client that retries: a batch that gets an error answer (or none), and items refused on their
    /// own, are sent again with the same idempotency keys (so the same tasks) until all are accepted; throws after
    /// <paramref name="within"/>.
    /// </summary>
    public static async Task<EnqueueOutcome> EnqueueRetryingAsync(this SiloProcess silo, IReadOnlyList<object> tasks, int batchSize, TimeSpan within)
    {
        var deadline = DateTimeOffset.UtcNow + within;
        var ids = new string?[tasks.Count];
        var failures = new List<string>();
        foreach (var batch in Enumerable.Range(0, tasks.Count).Chunk(batchSize))
        {
            var pending = batch.ToList();
            while (pending.Count > 0)
            {
                if (DateTimeOffset.UtcNow >= deadline)
                {
                    throw new TimeoutException($"{pending.Count} tasks were still not accepted after {within}; failures: {string.Join(" | ", failures.TakeLast(5))}");
                }
                try
                {
                    using var response = await silo.Http.PostAsJsonAsync(new Uri("/api/tasks/batch", UriKind.Relative),
                        new { tasks = pending.Select(i => tasks[i]).ToList() }, Json);
                    var text = await response.Content.ReadAsStringAsync();
                    if (!response.IsSuccessStatusCode)
                    {
                        failures.Add($"batch of {pending.Count}: {(int)response.StatusCode} {text}");
                        continue;
                    }
                    var items = JsonSerializer.Deserialize<List<BatchItem>>(text, Json)!;
                    Assert.Equal(pending.Count, items.Count);
                    var refused = new List<int>();
                    for (var n = 0; n < items.Count; n++)
                    {
                        if (items[n].Task is { } task)
                        {
                            ids[pending[n]] = task.Id;
                        }
                        else
                        {
                            failures.Add($"item: {items[n].Error?.Code} {items[n].Error?.Message}");
                            refused.Add(pending[n]);
                        }
                    }
                    pending = refused;
                }
                catch (HttpRequestException ex)
                {
                    failures.Add($"batch of {pending.Count}: no answer ({ex.Message})");
                }
                catch (TaskCanceledException ex)
                {
                    failures.Add($"batch of {pending.Count}: no answer ({ex.Message})");
                }
            }
        }
        return new EnqueueOutcome(ids.Select(id => id!).ToList(), failures);
    }

    /// <summary>One <c>POST /api/tasks</c>; never throws for what the silo answers (or fails to answer).</summary>
    public static async Task<PostAnswer> PostTaskAsync(this SiloProcess silo, object task, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            using var response = await silo.Http.PostAsJsonAsync(new Uri("/api/tasks", UriKind.Relative), task, Json, cancel.Token);
            var text = await response.Content.ReadAsStringAsync(cancel.Token);
            var contentType = response.Content.Headers.ContentType?.MediaType;
            string? code = null;
            string? id = null;
            if (text.Length > 0 && contentType is not null && contentType.Contains("json", StringComparison.Ordinal))
            {
                using var body = JsonDocument.Parse(text);
                code = body.RootElement.TryGetProperty("code", out var c) ? c.GetString() : null;
                id = response.IsSuccessStatusCode && body.RootElement.TryGetProperty("id", out var i) ? i.GetString() : null;
            }
            return new PostAnswer((int)response.StatusCode, contentType, code, id);
        }
        catch (HttpRequestException ex)
        {
            return new PostAnswer(0, null, ex.HttpRequestError.ToString(), null);
        }
        catch (OperationCanceledException)
        {
            return new PostAnswer(0, null, $"timeout {timeout.TotalSeconds:F0} s", null);
        }
    }

    /// <summary>Every task, paging through <c>GET /api/tasks</c>.</summary>
    public static async Task<IReadOnlyList<TaskView>> ListAllAsync(this SiloProcess silo)
    {
        var all = new List<TaskView>();
        string? cursor = null;
        do
        {
            var url = "/api/tasks?limit=500" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor));
            var page = await silo.Http.GetFromJsonAsync<TaskPage>(new Uri(url, UriKind.Relative), Json)
                ?? throw new InvalidOperationException("GET /api/tasks answered null.");
            all.AddRange(page.Items);
            cursor = page.NextCursor;
        }
        while (cursor is not null);
        return all;
    }

    /// <summary>
    /// Polls the task list until every one of <paramref name="ids"/> is <paramref name="status"/>; returns them.
    /// Throws with the status counts seen last when that does not happen within <paramref name="within"/>.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, TaskView>> WaitUntilAllAsync(this SiloProcess silo, IReadOnlyCollection<string> ids, string status, TimeSpan within)
    {
        var deadline = DateTimeOffset.UtcNow + within;
        while (true)
        {
            var tasks = (await silo.ListAllAsync()).ToDictionary(t => t.Id, StringComparer.Ordinal);
            if (ids.All(id => tasks.TryGetValue(id, out var t) && t.Status == status))
            {
                return tasks;
            }
            if (DateTimeOffset.UtcNow >= deadline)
            {
                var missing = ids.Count(id => !tasks.ContainsKey(id));
                var counts = string.Join(", ", tasks.Values.GroupBy(t => t.Status).Select(g => $"{g.Key} {g.Count()}"));
                throw new TimeoutException($"Not all {ids.Count} tasks were {status} within {within}: {counts}; missing {missing}.");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }
    }

    private sealed record BatchItem(TaskView? Task, bool Created, BatchError? Error);

    private sealed record BatchError(string Code, string Message);

    private sealed record TaskPage(List<TaskView> Items, string? NextCursor);
}
