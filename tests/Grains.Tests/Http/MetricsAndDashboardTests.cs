using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using OmniActors.Tests.Support;

namespace OmniActors.Tests.Http;

[Collection(SiloApiCollection.Name)]
public sealed class MetricsAndDashboardTests(SiloApiFactory factory) : IDisposable
{
    private readonly HttpClient _client = factory.CreateApiClient();
    private readonly HttpClient _anonymous = factory.CreateClient();

    public void Dispose()
    {
        _client.Dispose();
        _anonymous.Dispose();
    }

    [Fact]
    public async Task Metrics_are_Prometheus_text_scraped_without_a_key()
    {
        using var response = await _anonymous.GetAsync(Api.Url("/metrics"));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("# TYPE target_info gauge", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Completed_tasks_move_the_counters_and_the_duration_histograms_of_their_queue()
    {
        var queue = Api.UniqueQueue("metered");
        var before = await ScrapeAsync();
        var tasks = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            tasks.Add((await _client.EnqueueAsync(new { action = "echo", queue, payload = new { n = i } })).Id());
        }
        foreach (var id in tasks)
        {
            await _client.UntilStatusAsync(id, "succeeded");
        }

        var after = await Eventually.Until(ScrapeAsync,
            m => m.Value("omniactors_tasks_complete_total", queue) - before.Value("omniactors_tasks_complete_total", queue) == 3,
            Api.Deadline, "the complete counter counted the three tasks");

        Assert.Equal(3, after.Value("omniactors_tasks_enqueued_total", queue) - before.Value("omniactors_tasks_enqueued_total", queue));
        Assert.Equal(3, after.Value("omniactors_tasks_executing_total", queue));
        Assert.Equal(3, after.Value("omniactors_tasks_wait_duration_milliseconds_count", queue));
        Assert.Equal(3, after.Value("omniactors_tasks_wait_duration_milliseconds_bucket", queue, ("le", "+Inf")));
        Assert.Equal(3, after.Value("omniactors_tasks_run_duration_milliseconds_count", queue, ("outcome", "succeeded")));
        Assert.Contains("# TYPE omniactors_tasks_enqueued_total counter", after.Text, StringComparison.Ordinal);
        Assert.Contains("# TYPE omniactors_tasks_wait_duration_milliseconds histogram", after.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_depth_gauge_shows_the_tasks_held_by_a_paused_queue()
    {
        var queue = Api.UniqueQueue("gauged");
        await _client.PostAsync(Api.Url($"/api/queues/{queue}/pause"), null).ExpectAsync(HttpStatusCode.OK);
        for (var i = 0; i < 4; i++)
        {
            await _client.EnqueueAsync(new { action = "echo", queue, payload = new { n = i } });
        }
        await _client.EnqueueAsync(new { action = "echo", queue, delaySeconds = 3600 });

        var metrics = await Eventually.Until(ScrapeAsync,
            m => m.Value("omniactors_queue_depth", queue, ("state", "ready")) == 4
                && m.Value("omniactors_queue_depth", queue, ("state", "scheduled")) == 1,
            Api.Deadline, "the depth gauge shows four ready and one scheduled task");

        Assert.Equal(0, metrics.Value("omniactors_queue_running", queue));
        Assert.Contains("# TYPE omniactors_queue_depth gauge", metrics.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_stores_group_commits_are_counted_with_their_rows_flushes_and_time()
    {
        var queue = Api.UniqueQueue("stored");
        var before = await ScrapeAsync();
        var ids = await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
            (await _client.EnqueueAsync(new { action = "echo", queue, payload = new { n = i } })).Id()));
        foreach (var id in ids)
        {
            await _client.UntilStatusAsync(id, "succeeded");
        }
        // Each task's row was written two or three times (enqueued and started in one write when its partition had a free
        // slot, or apart; finished), in group commits that may share them.
        double Delta(Exposition m, string name) => m.Sum(name, ("store", "tasks")) - before.Sum(name, ("store", "tasks"));
        var after = await Eventually.Until(ScrapeAsync, m => Delta(m, "omniactors_storage_rows_total") >= 40, Api.Deadline,
            "the rows counter counted the 40 to 60 writes of the 20 tasks");

        var commits = Delta(after, "omniactors_storage_commits_total");
        var rows = Delta(after, "omniactors_storage_rows_total");
        var flushes = Delta(after, "omniactors_storage_flushes_total");
        var committing = Delta(after, "omniactors_storage_commit_time_seconds_total");
        Assert.InRange(commits, 1, rows);
        // The writer was busy for some of it, and for no longer than the test has run.
        Assert.InRange(committing, double.Epsilon, Api.Deadline.TotalSeconds);
        // The test silos run SQLite with synchronous=NORMAL (TestStorage): no group commit flushes the log, and the
        // counter says so (SqliteTaskStoreTests count the flushes under FULL).
        Assert.Equal(0, flushes);
        // The event store (webhooks, dashboard keys) has its series too, even before it writes.
        Assert.Contains(after.Text.Split('\n'), l => l.StartsWith("omniactors_storage_commits_total{", StringComparison.Ordinal)
            && l.Contains("store=\"events\"", StringComparison.Ordinal));
        Assert.Contains("# TYPE omniactors_storage_commits_total counter", after.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_runtimes_own_metrics_are_scraped_too()
    {
        var before = await ScrapeAsync();
        var queue = Api.UniqueQueue("runtime");
        await _client.UntilStatusAsync((await _client.EnqueueAsync(new { action = "echo", queue, payload = new { n = 1 } })).Id(), "succeeded");

        // The exporter serves a scrape from its cache for a moment (300 ms by default): wait for a fresh one.
        var after = await Eventually.Until(ScrapeAsync,
            m => m.Sum("dotnet_process_cpu_time_seconds_total") > before.Sum("dotnet_process_cpu_time_seconds_total"), Api.Deadline,
            "a scrape after the task counts more CPU time");

        // The process's CPU time, the JIT's work and the GC's allocations only grow, and some of each went into that task.
        Assert.True(after.Sum("dotnet_gc_heap_total_allocated_bytes_total") > before.Sum("dotnet_gc_heap_total_allocated_bytes_total"));
        Assert.True(after.Sum("dotnet_jit_compiled_methods_total") > 0);
        Assert.True(after.Sum("dotnet_jit_compilation_time_seconds_total") > 0);
        Assert.True(after.Sum("dotnet_thread_pool_thread_count_total") >= 1);
        Assert.Contains("# TYPE dotnet_gc_collections_total counter", after.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/orleans")]
    [InlineData("/orleans/index.min.js")]
    [InlineData("/orleans/ClusterStats")]
    public async Task The_Orleans_dashboard_needs_the_key(string url)
    {
        using var response = await _anonymous.GetAsync(Api.Url(url));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Basic", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Fact]
    public async Task The_Orleans_dashboard_serves_its_page_and_its_api_with_the_key()
    {
        using var page = await _client.GetAsync(Api.Url("/orleans"));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<html", await page.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);

        using var stats = await _client.GetAsync(Api.Url("/orleans/ClusterStats"));
        Assert.Equal(HttpStatusCode.OK, stats.StatusCode);
        Assert.Equal("application/json", stats.Content.Headers.ContentType?.MediaType);

        // A browser answers the Basic challenge with the key as password and sends it on the page's own calls.
        using var request = new HttpRequestMessage(HttpMethod.Get, Api.Url("/orleans/DashboardCounters"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"operator:{factory.ApiKey}")));
        using var counters = await _anonymous.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, counters.StatusCode);
    }

    [Theory]
    [InlineData("/orleans/no-such-page")]
    [InlineData("/orleansx/ClusterStats")]
    public async Task The_Orleans_dashboard_branch_answers_only_its_own_paths(string url)
    {
        // The dashboard is routed in a branch of its own, built on first use: an unknown path under it, or a path that
        // merely starts with its name, is a plain 404, not an error or another endpoint.
        using var response = await _client.GetAsync(Api.Url(url));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private async Task<Exposition> ScrapeAsync()
    {
        using var response = await _anonymous.GetAsync(Api.Url("/metrics"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return new Exposition(await response.Content.ReadAsStringAsync());
    }

    /// <summary>The Prometheus text exposition, read as samples (name, labels, value).</summary>
    private sealed class Exposition(string text)
    {
        private readonly List<(string Name, Dictionary<string, string> Labels, double Value)> _samples = Parse(text);

        public string Text => text;

        /// <summary>The task counters' lines and the series count, for a failure message.</summary>
        public override string ToString() =>
            $"{_samples.Count} samples; " + string.Join(" | ", text.Split('\n').Where(l => l.StartsWith("omniactors_tasks_complete_total", StringComparison.Ordinal)).TakeLast(5));

        /// <summary>The sum of the samples named so with <c>queue</c> and the given labels; 0 when there is none yet.</summary>
        public double Value(string name, string queue, params (string Name, string Value)[] labels) => Sum(name, [("queue", queue), .. labels]);

        /// <summary>The sum of the samples named so with the given labels; 0 when there is none yet.</summary>
        public double Sum(string name, params (string Name, string Value)[] labels) =>
            _samples.Where(s => s.Name == name && labels.All(l => s.Labels.GetValueOrDefault(l.Name) == l.Value)).Sum(s => s.Value);

        private static List<(string, Dictionary<string, string>, double)> Parse(string text)
        {
            var samples = new List<(string, Dictionary<string, string>, double)>();
            foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (line.StartsWith('#'))
                {
                    continue;
                }
                var brace = line.IndexOf('{', StringComparison.Ordinal);
                var close = line.LastIndexOf('}');
                var name = brace < 0 ? line[..line.IndexOf(' ', StringComparison.Ordinal)] : line[..brace];
                var labels = new Dictionary<string, string>(StringComparer.Ordinal);
                if (brace >= 0)
                {
                    // Label values here never hold '",' (queue names are validated), so a split on it is exact.
                    foreach (var pair in line[(brace + 1)..close].Split("\",", StringSplitOptions.RemoveEmptyEntries))
                    {
                        var eq = pair.IndexOf('=', StringComparison.Ordinal);
                        labels[pair[..eq]] = pair[(eq + 1)..].Trim('"');
                    }
                }
                var rest = line[(brace < 0 ? name.Length : close + 1)..].Trim().Split(' ');
                if (double.TryParse(rest[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                {
                    samples.Add((name, labels, value));
                }
            }
            return samples;
        }
    }
}
