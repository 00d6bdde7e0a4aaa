using System.Net.Http.Json;
using System.Text.Json;

namespace OmniActors.Tests.Support;

/// <summary>A task as <c>/api/tasks</c> shows it, the fields these tests read.</summary>
public sealed record TaskView(string Id, string Status, int Attempt, string? IdempotencyKey);

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
