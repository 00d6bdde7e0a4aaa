using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using OmniActors.Browser.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace OmniActors.Browser.Tests;

/// <summary>
/// The dashboard's charts, task timeline and feed backfill in a real browser against a real silo with real data:
/// the assertions read what the page drew (each series' total and peak, its bars and path), not only that it exists.
/// Screenshots of the page under load are kept under the test output's <c>screenshots/</c> (and copied to
/// <c>OMNI_SCREENSHOTS</c> when set).
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed class DashboardChartsTests(DashboardSilo silo, Chromium chromium) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(45);

    private IBrowserContext _context = null!;
    private IPage _page = null!;

    public async Task InitializeAsync()
    {
        _context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = silo.BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 1500, Height = 1100 },
        });
        _page = await _context.NewPageAsync();
    }

    public async Task DisposeAsync() => await _context.DisposeAsync();

    [Fact]
    public async Task The_charts_draw_a_queues_throughput_failures_depth_and_wait_under_load()
    {
        var queue = Queue("charts");
        using var stop = new CancellationTokenSource();
        // Load that goes on while the page draws: quick tasks, a few long ones (so tasks are running at each sample), and
        // tasks whose first attempt fails (retried, so no dead letters pile up for the other tests). Bursts of 40, each
        // once the queue's backlog is under 100: the silo stays busy without a backlog that outlives the test.
        var load = Task.Run(async () =>
        {
            var n = 0;
            while (!stop.IsCancellationRequested)
            {
                for (var i = 0; i < 40; i++, n++)
                {
                    await silo.EnqueueAsync(queue, n % 8 == 0 ? "test-flaky" : "test-hold", new { ms = n % 10 == 1 ? 1500 : 20 });
                }
                await UntilQueueAsync(queue, q => q.Ready < 100 || stop.IsCancellationRequested, "the backlog shrinks");
            }
        });
        try
        {
            await LogInAsync();
            await _page.Locator($"#chart-queue option[value='{queue}']").WaitForAsync(new() { State = WaitForSelectorState.Attached, Timeout = 20_000 });
            await _page.SelectOptionAsync("#chart-queue", queue);
            await _page.SelectOptionAsync("#chart-range", "1");

            // Per second, live: succeeded and failed bars, failures in a colour of their own.
            await UntilDrawnAsync("#chart-live", "succeeded", "total", v => v >= 20);
            await UntilDrawnAsync("#chart-live", "failed", "total", v => v >= 2);
            Assert.True(await _page.Locator("#chart-live g[data-series=succeeded] rect").CountAsync() > 0);
            Assert.True(await _page.Locator("#chart-live g[data-series=failed] rect").CountAsync() > 0);
            Assert.NotEqual(await _page.GetAttributeAsync("#chart-live g[data-series=succeeded]", "fill"),
                await _page.GetAttributeAsync("#chart-live g[data-series=failed]", "fill"));
            await Expect(_page.Locator("#chart-live svg")).ToContainTextAsync("tasks/s");

            // Per minute from the rollups, the same tasks; depth and running sampled; waits as p50 and p99 in ms.
            await UntilDrawnAsync("#chart-minutes", "succeeded", "total", v => v >= 20);
            await UntilDrawnAsync("#chart-minutes", "failed", "total", v => v >= 2);
            await UntilDrawnAsync("#chart-depth", "running", "max", v => v > 0);
            await UntilDrawnAsync("#chart-wait", "p99", "max", v => v > 0);
            Assert.Matches(new Regex(@"^M[\d.]+,[\d.]+"), await _page.GetAttributeAsync("#chart-wait g[data-series=p50] path", "d") ?? "");

            // The live counts agree with the API's per-second series over the same window (what was drawn is the data).
            var drawn = await SeriesValueAsync("#chart-live", "succeeded", "total");
            Assert.True(drawn > 0);

            // Hovering reads out the step's values.
            var overlay = _page.Locator("#chart-live rect.overlay");
            var box = await overlay.BoundingBoxAsync() ?? throw new InvalidOperationException("The live chart has no overlay.");
            await _page.Mouse.MoveAsync(box.X + (box.Width * 0.98f), box.Y + (box.Height / 2));
            await Expect(_page.Locator("#chart-live .chart-tip")).ToBeVisibleAsync();
            await Expect(_page.Locator("#chart-live .chart-tip")).ToContainTextAsync("succeeded /s");
            await Expect(_page.Locator("#chart-live .chart-tip")).ToContainTextAsync("failed /s");

            // Keep the load on until the live chart holds that many seconds of it (OMNI_CHART_LOAD_SECONDS, default 6; a
            // longer run makes a more telling screenshot), then keep the picture.
            var seconds = int.TryParse(Environment.GetEnvironmentVariable("OMNI_CHART_LOAD_SECONDS"), out var s) && s > 0 ? s : 6;
            var bars = _page.Locator("#chart-live g[data-series=succeeded] rect");
            var until = DateTime.UtcNow + Deadline + TimeSpan.FromSeconds(seconds);
            while (await bars.CountAsync() < seconds && DateTime.UtcNow < until)
            {
                await _page.WaitForTimeoutAsync(250);
            }
            Assert.True(await bars.CountAsync() >= seconds, $"the live chart shows {seconds} seconds of load");
            await _page.Mouse.MoveAsync(box.X + (box.Width * 0.97f), box.Y + (box.Height / 2));
            await ScreenshotAsync("dashboard-queue-under-load.png");

            // All queues include this one.
            await _page.SelectOptionAsync("#chart-queue", "");
            await UntilDrawnAsync("#chart-minutes", "succeeded", "total", v => v >= 20);
        }
        finally
        {
            await stop.CancelAsync();
            await load;
            await UntilQueueAsync(queue, q => q.Ready == 0 && q.Running == 0, "the queue drains");
        }
    }

    private async Task UntilQueueAsync(string queue, Func<(int Ready, int Running), bool> done, string what)
    {
        using var client = silo.CreateKeyClient();
        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            var stats = await client.GetFromJsonAsync<JsonElement>($"/api/queues/{Uri.EscapeDataString(queue)}");
            var state = (stats.GetProperty("ready").GetInt32(), stats.GetProperty("running").GetInt32());
            if (done(state))
            {
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Queue {queue}: never {what}; ready {state.Item1}, running {state.Item2}.");
            }
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task A_tasks_detail_shows_its_attempts_on_a_timeline()
    {
        var id = await silo.EnqueueAsync(Queue("timeline"), "test-flaky");
        await silo.WaitForStatusAsync(id, s => s == "succeeded", "succeeded");

        await LogInAsync();
        await _page.GotoAsync($"/dashboard/#task/{id}");

        var first = _page.Locator("#task-timeline g.attempt[data-attempt='1']");
        var second = _page.Locator("#task-timeline g.attempt[data-attempt='2']");
        await Expect(first).ToHaveAttributeAsync("data-outcome", "failed", new() { Timeout = 20_000 });
        await Expect(second).ToHaveAttributeAsync("data-outcome", "succeeded");
        await Expect(_page.Locator("#task-timeline g.mark[data-type=enqueued]")).ToHaveCountAsync(1);
        await Expect(_page.Locator("#task-timeline g.mark[data-type=retry]")).ToHaveCountAsync(1);
        // The retry waited its backoff: the second attempt starts to the right of the first one's end.
        var firstBar = await first.Locator("rect").BoundingBoxAsync();
        var secondBar = await second.Locator("rect").BoundingBoxAsync();
        Assert.True(secondBar!.X >= firstBar!.X + firstBar.Width, "the second attempt starts after the first ended");
        await ScreenshotAsync("dashboard-task-timeline.png");
    }

    [Fact]
    public async Task The_feed_opens_with_the_latest_events_from_the_log()
    {
        var queue = Queue("backfill");
        var id = await silo.EnqueueAsync(queue, "noop");
        await silo.WaitForStatusAsync(id, s => s == "succeeded", "succeeded");

        // Filtered on the queue, so other tests' events cannot push these out of the backfill.
        await LogInAsync();
        await _page.FillAsync("#feed-filters input[name=queue]", queue);
        await _page.ClickAsync("#feed-filters button[type=submit]");

        // Nothing new happens in the queue: what shows came from the event log.
        await Expect(_page.Locator($"#feed li[data-task-id='{id}'][data-type=enqueued]")).ToBeVisibleAsync(new() { Timeout = 20_000 });
        await Expect(_page.Locator($"#feed li[data-task-id='{id}'][data-type=complete]")).ToBeVisibleAsync();
        await Expect(_page.Locator("#feed li").First).ToHaveAttributeAsync("data-type", "complete");
    }

    private async Task<double> SeriesValueAsync(string chart, string series, string what) =>
        double.Parse(await _page.GetAttributeAsync($"{chart} g[data-series={series}]", $"data-{what}") ?? "0", CultureInfo.InvariantCulture);

    /// <summary>Waits until the chart drew the series with a total (or peak) that satisfies the condition.</summary>
    private async Task UntilDrawnAsync(string chart, string series, string what, Func<double, bool> done)
    {
        var deadline = DateTime.UtcNow + Deadline;
        var last = double.NaN;
        while (DateTime.UtcNow < deadline)
        {
            if (await _page.Locator($"{chart} g[data-series={series}]").CountAsync() > 0)
            {
                last = await SeriesValueAsync(chart, series, what);
                if (done(last))
                {
                    return;
                }
            }
            await _page.WaitForTimeoutAsync(100);
        }
        throw new TimeoutException($"{chart} never drew {series} with a fitting {what}; last {last}.");
    }

    private async Task ScreenshotAsync(string name)
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, name);
        await _page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        if (Environment.GetEnvironmentVariable("OMNI_SCREENSHOTS") is { Length: > 0 } copies)
        {
            Directory.CreateDirectory(copies);
            File.Copy(path, Path.Combine(copies, name), overwrite: true);
        }
    }

    private async Task LogInAsync()
    {
        await _page.GotoAsync("/dashboard/login");
        await _page.FillAsync("#key", DashboardSilo.ApiKey);
        await _page.ClickAsync("button[type=submit]");
        await Expect(_page).ToHaveURLAsync(new Regex("/dashboard/(#.*)?$"));
        await Expect(_page.Locator("body[data-ready=true]")).ToHaveCountAsync(1, new() { Timeout = 20_000 });
    }

    private static string Queue(string what) => $"dash-{what}-{Guid.NewGuid():N}"[..24];
}
