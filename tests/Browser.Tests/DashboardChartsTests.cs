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
        var queue = DashboardPages.Queue("charts");
        using var stop = new CancellationTokenSource();
        // Load that goes on while the page draws: quick tasks, a few long ones (so tasks are running at each sample), and
        // tasks whose first attempt fails (retried, so no dead letters pile up for the other tests). Bursts of 40, each
        // once the queue's backlog is under 100: the silo stays busy without a backlog that outlives the test.
        var enqueued = 0;
        var flaky = 0;
        var load = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                for (var i = 0; i < 40; i++, enqueued++)
                {
                    var fails = enqueued % 8 == 0;
                    await silo.EnqueueAsync(queue, fails ? "test-flaky" : "test-hold", new { ms = enqueued % 10 == 1 ? 1500 : 20 });
                    flaky += fails ? 1 : 0;
                }
                await UntilQueueAsync(queue, q => q.Ready < 100 || stop.IsCancellationRequested, "the backlog shrinks");
            }
        });
        try
        {
            await DashboardPages.LogInAsync(_page);
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

            // Per minute from the rollups; depth and running sampled; waits as p50 and p99 in ms.
            await UntilDrawnAsync("#chart-minutes", "succeeded", "total", v => v >= 20);
            await UntilDrawnAsync("#chart-minutes", "failed", "total", v => v >= 2);
            await UntilDrawnAsync("#chart-depth", "running", "max", v => v > 0);
            await UntilDrawnAsync("#chart-wait", "p99", "max", v => v > 0);
            Assert.Matches(new Regex(@"^M[\d.]+,[\d.]+"), await _page.GetAttributeAsync("#chart-wait g[data-series=p50] path", "d") ?? "");

            // Axes carry units: the y axis' title, and the wait chart's ticks in ms.
            Assert.Equal("tasks/s", await AxisTitleAsync("#chart-live"));
            Assert.Equal("tasks/min", await AxisTitleAsync("#chart-minutes"));
            Assert.Equal("tasks", await AxisTitleAsync("#chart-depth"));
            Assert.All(await _page.Locator("#chart-wait g.axes text.tick[text-anchor=end]").AllTextContentsAsync(),
                t => Assert.Matches(new Regex(@"^[\d.]+ (ms|s|min)$"), t));

            // Hovering reads out the step's values.
            await HoverAsync("#chart-live", 0.98);
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
            await HoverAsync("#chart-live", 0.97);
            await DashboardPages.ScreenshotAsync(_page, "dashboard-queue-under-load.png");

            // Under load the feed does not flash every event (a feed all in yellow says nothing).
            var shown = await _page.Locator("#feed li").CountAsync();
            Assert.True(shown >= 20, $"the feed shows the load ({shown} events)");
            Assert.True(await _page.Locator("#feed li.new").CountAsync() * 2 < shown, "most events under load are not flashed");
        }
        finally
        {
            await stop.CancelAsync();
            await load;
            await UntilQueueAsync(queue, q => q.Ready == 0 && q.Running == 0, "the queue drains");
        }

        // Drained: every task succeeded once and every flaky one failed once. What the charts drew is exactly that, per
        // second (from the event log) and per minute (from the rollups): nothing lost, nothing counted twice.
        await UntilDrawnAsync("#chart-live", "succeeded", "total", v => v == enqueued);
        await UntilDrawnAsync("#chart-live", "failed", "total", v => v == flaky);
        await UntilDrawnAsync("#chart-minutes", "succeeded", "total", v => v == enqueued);
        await UntilDrawnAsync("#chart-minutes", "failed", "total", v => v == flaky);

        // Hovering over a bar reads out the value that bar stands for (the chart slides left as time passes: point at the
        // tallest bar where it is now, and read bar and read-out in one go).
        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            var peak = await _page.EvaluateAsync<JsonElement>("""
                () => {
                  const rects = [...document.querySelectorAll('#chart-live g[data-series=succeeded] rect')];
                  const top = rects.reduce((a, r) => Number(r.dataset.v) > Number(a.dataset.v) ? r : a);
                  const box = top.getBoundingClientRect();
                  return { x: box.left + box.width / 2, t: top.dataset.t, v: top.dataset.v };
                }
                """);
            var overlay = await OverlayAsync("#chart-live");
            await _page.Mouse.MoveAsync((float)peak.GetProperty("x").GetDouble(), (float)(overlay.Y + (overlay.Height / 2)));
            var tip = await _page.EvaluateAsync<JsonElement>("""
                () => {
                  const tip = document.querySelector('#chart-live .chart-tip');
                  const bar = document.querySelector(`#chart-live g[data-series=succeeded] rect[data-t="${tip.dataset.t}"]`);
                  return { t: tip.dataset.t ?? '', text: tip.hidden ? '' : tip.textContent, v: bar ? bar.dataset.v : '0' };
                }
                """);
            // Whatever step the read-out shows, it shows that step's bar.
            Assert.Contains($"succeeded /s: {tip.GetProperty("v").GetString()} /s", tip.GetProperty("text").GetString(), StringComparison.Ordinal);
            if (tip.GetProperty("t").GetString() == peak.GetProperty("t").GetString())
            {
                Assert.True(double.Parse(tip.GetProperty("v").GetString()!, CultureInfo.InvariantCulture) > 0);
                break;
            }
            Assert.True(DateTime.UtcNow < deadline, "the read-out never showed the tallest bar");
        }

        // All queues include this one.
        await _page.SelectOptionAsync("#chart-queue", "");
        await UntilDrawnAsync("#chart-minutes", "succeeded", "total", v => v >= enqueued);
    }

    private async Task<string?> AxisTitleAsync(string chart) => await _page.Locator($"{chart} g.axes text.axis-title").TextContentAsync();

    /// <summary>Where the chart's hover area is now (the live chart redraws every 2 s: ask again after each redraw).</summary>
    private async Task<(double X, double Y, double Width, double Height)> OverlayAsync(string chart)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            var box = await _page.EvaluateAsync<double[]?>(
                "sel => { const r = document.querySelector(sel)?.getBoundingClientRect(); return r && r.width > 0 ? [r.x, r.y, r.width, r.height] : null; }",
                $"{chart} rect.overlay");
            if (box is not null)
            {
                return (box[0], box[1], box[2], box[3]);
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{chart} has no hover area.");
            }
            await _page.WaitForTimeoutAsync(50);
        }
    }

    private async Task HoverAsync(string chart, double across)
    {
        var box = await OverlayAsync(chart);
        await _page.Mouse.MoveAsync((float)(box.X + (box.Width * across)), (float)(box.Y + (box.Height / 2)));
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
        var id = await silo.EnqueueAsync(DashboardPages.Queue("timeline"), "test-flaky");
        await silo.WaitForStatusAsync(id, s => s == "succeeded", "succeeded");

        await DashboardPages.LogInAsync(_page);
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
        // Its key names what the dots and colours mean; the history says when the retry was due, to the millisecond.
        Assert.Equal(["queued", "retry scheduled", "attempt failed", "attempt succeeded"],
            await _page.Locator("#task-timeline g.key text").AllTextContentsAsync());
        await Expect(_page.Locator("#history-table tbody tr").Filter(new() { Has = _page.Locator("span.badge", new() { HasTextRegex = new Regex("^retry$") }) }))
            .ToContainTextAsync(new Regex(@"next attempt due \d\d:\d\d:\d\d\.\d{3}"));
        await DashboardPages.ScreenshotAsync(_page, "dashboard-task-timeline.png");
    }

    [Fact]
    public async Task The_feed_opens_with_the_latest_events_from_the_log()
    {
        var queue = DashboardPages.Queue("backfill");
        var id = await silo.EnqueueAsync(queue, "noop");
        await silo.WaitForStatusAsync(id, s => s == "succeeded", "succeeded");

        // Filtered on the queue, so other tests' events cannot push these out of the backfill.
        await DashboardPages.LogInAsync(_page);
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
}
