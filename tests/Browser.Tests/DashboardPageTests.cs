using System.Text.RegularExpressions;
using Microsoft.Playwright;
using OmniActors.Browser.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace OmniActors.Browser.Tests;

/// <summary>The queue dashboard in a real browser (Debian's chromium through Playwright) against a real silo.</summary>
[Collection(DashboardCollection.Name)]
public sealed class DashboardPageTests(DashboardSilo silo, Chromium chromium) : IAsyncLifetime
{
    private static readonly LocatorAssertionsToBeVisibleOptions Soon = new() { Timeout = 20_000 };

    private IBrowserContext _context = null!;
    private IPage _page = null!;
    private readonly List<string> _bodies = [];

    public async Task InitializeAsync()
    {
        _context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = silo.BaseAddress.ToString() });
        _page = await _context.NewPageAsync();
        // Everything the silo sends the browser, to prove the key is never in it.
        _page.Response += async (_, response) =>
        {
            try
            {
                if (!response.Url.Contains("/api/events/stream", StringComparison.Ordinal))
                {
                    var body = await response.TextAsync();
                    lock (_bodies)
                    {
                        _bodies.Add(body);
                    }
                }
            }
            catch (PlaywrightException)
            {
                // Redirects and aborted requests have no body.
            }
        };
    }

    public async Task DisposeAsync() => await _context.DisposeAsync();

    [Fact]
    public async Task The_dashboard_asks_for_a_login_then_shows_the_queues()
    {
        var queue = DashboardPages.Queue("seen");
        await silo.EnqueueAsync(queue, "noop");

        await _page.GotoAsync("/dashboard/");
        await Expect(_page).ToHaveURLAsync(LoginUrl());
        await LogInAsync();

        var row = _page.Locator($"#queues-table tr[data-queue='{queue}']");
        await Expect(row).ToBeVisibleAsync(Soon);
        await Expect(row.Locator("td").Nth(1)).ToHaveTextAsync("active");
    }

    [Fact]
    public async Task A_wrong_key_keeps_the_login_page_with_an_error()
    {
        await _page.GotoAsync("/dashboard/login");
        await _page.FillAsync("#key", "not-the-key");
        await _page.ClickAsync("button[type=submit]");
        await Expect(_page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("That key is not valid.");
        await _page.GotoAsync("/dashboard/");
        await Expect(_page).ToHaveURLAsync(LoginUrl());
    }

    [Fact]
    public async Task A_task_enqueued_through_the_API_appears_live_in_the_feed_and_the_task_list()
    {
        await LogInAsync();
        await _page.ClickAsync("nav a[data-view=tasks]");
        await Expect(_page.Locator("#view-tasks")).ToBeVisibleAsync();
        await Expect(_page.Locator("#feed-state")).ToHaveTextAsync("live", new() { Timeout = 20_000 });

        var queue = DashboardPages.Queue("live");
        var id = await silo.EnqueueAsync(queue, "test-hold", new { ms = 200 });

        // No reload: the event stream brings the task's events, and the list follows.
        await Expect(_page.Locator($"#feed li[data-task-id='{id}'][data-type=enqueued]")).ToBeVisibleAsync(Soon);
        await Expect(_page.Locator($"#feed li[data-task-id='{id}'][data-type=complete]")).ToBeVisibleAsync(Soon);
        var row = _page.Locator($"#tasks-table tr[data-task-id='{id}']");
        await Expect(row).ToBeVisibleAsync(Soon);
        await Expect(row.Locator("td").Nth(3)).ToHaveTextAsync("succeeded", new() { Timeout = 20_000 });

        // Its detail page, with its history from the event log.
        await row.Locator("a.task-link").ClickAsync();
        await Expect(_page.Locator("#task-id")).ToHaveTextAsync(id);
        await Expect(_page.Locator("#task-fields")).ToContainTextAsync(queue);
        await Expect(_page.Locator("#history-table tbody tr")).ToHaveCountAsync(3, new() { Timeout = 20_000 });
        await Expect(_page.Locator("#history-table tbody")).ToContainTextAsync("enqueued");
        await Expect(_page.Locator("#history-table tbody")).ToContainTextAsync("executing");
        await Expect(_page.Locator("#history-table tbody")).ToContainTextAsync("complete");
    }

    [Fact]
    public async Task The_feed_shows_only_the_queue_it_is_filtered_on()
    {
        await LogInAsync();
        await Expect(_page.Locator("#feed-state")).ToHaveTextAsync("live", new() { Timeout = 20_000 });
        var queue = DashboardPages.Queue("feed");
        await _page.FillAsync("#feed-filters input[name=queue]", queue);
        await _page.ClickAsync("#feed-filters button[type=submit]");
        await Expect(_page.Locator("#feed-state")).ToHaveTextAsync("live", new() { Timeout = 20_000 });

        var other = await silo.EnqueueAsync(DashboardPages.Queue("elsewhere"), "noop");
        var mine = await silo.EnqueueAsync(queue, "noop");
        await Expect(_page.Locator($"#feed li[data-task-id='{mine}'][data-type=complete]")).ToBeVisibleAsync(Soon);
        await silo.WaitForStatusAsync(other, s => s == "succeeded", "succeeded");
        await Expect(_page.Locator($"#feed li[data-task-id='{other}']")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task The_task_list_filters_by_queue_and_status()
    {
        var queue = DashboardPages.Queue("filter");
        var done = await silo.EnqueueAsync(queue, "noop");
        var other = await silo.EnqueueAsync(DashboardPages.Queue("other"), "noop");
        await silo.WaitForStatusAsync(done, s => s == "succeeded", "succeeded");
        await LogInAsync();
        await _page.GotoAsync($"/dashboard/#tasks?queue={queue}&status=succeeded");

        await Expect(_page.Locator($"#tasks-table tr[data-task-id='{done}']")).ToBeVisibleAsync(Soon);
        await Expect(_page.Locator($"#tasks-table tr[data-task-id='{other}']")).ToHaveCountAsync(0);
        await _page.SelectOptionAsync("#task-filters select[name=status]", "dead_lettered");
        await _page.ClickAsync("#task-filters button[type=submit]");
        await Expect(_page.Locator($"#tasks-table tr[data-task-id='{done}']")).ToHaveCountAsync(0, new() { Timeout = 20_000 });
    }

    [Fact]
    public async Task Requeuing_a_dead_letter_by_clicking_runs_it_again()
    {
        var queue = DashboardPages.Queue("dlq");
        var id = await silo.EnqueueAsync(queue, "test-fail-once");
        await silo.WaitForStatusAsync(id, s => s == "dead_lettered", "dead-lettered");

        await LogInAsync();
        await _page.ClickAsync("nav a[data-view=dead-letters]");
        var row = _page.Locator($"#dlq-table tr[data-task-id='{id}']");
        await Expect(row).ToBeVisibleAsync(Soon);
        await row.GetByRole(AriaRole.Button, new() { Name = "Requeue" }).ClickAsync();

        await Expect(row).ToHaveCountAsync(0, new() { Timeout = 20_000 });
        // Through the API: the task left the dead letters and its second run succeeded.
        var task = await silo.WaitForStatusAsync(id, s => s == "succeeded", "succeeded after the requeue");
        Assert.Equal(2, silo.FailOnce.Runs(id));
        Assert.True(task.GetProperty("result").GetProperty("second").GetBoolean());
    }

    [Fact]
    public async Task Pausing_a_queue_by_clicking_pauses_it_in_the_API()
    {
        var queue = DashboardPages.Queue("pause");
        await silo.EnqueueAsync(queue, "noop");
        await LogInAsync();
        var row = _page.Locator($"#queues-table tr[data-queue='{queue}']");
        await Expect(row).ToBeVisibleAsync(Soon);

        await row.GetByRole(AriaRole.Button, new() { Name = "Pause" }).ClickAsync();
        await Expect(row.GetByRole(AriaRole.Button, new() { Name = "Resume" })).ToBeVisibleAsync(Soon);
        using (var client = silo.CreateKeyClient())
        {
            var stats = await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<System.Text.Json.JsonElement>(client, $"/api/queues/{queue}");
            Assert.True(stats.GetProperty("paused").GetBoolean());
        }
        await row.GetByRole(AriaRole.Button, new() { Name = "Resume" }).ClickAsync();
        await Expect(row.GetByRole(AriaRole.Button, new() { Name = "Pause" })).ToBeVisibleAsync(Soon);
    }

    [Fact]
    public async Task Logging_out_ends_the_session()
    {
        await LogInAsync();
        await _page.ClickAsync("#logout");
        await Expect(_page).ToHaveURLAsync(LoginUrl());

        Assert.DoesNotContain(await _context.CookiesAsync(), c => c.Name == "omni_dashboard");
        var status = await _page.EvaluateAsync<int>("async () => (await fetch('/api/queues')).status");
        Assert.Equal(401, status);
        await _page.GotoAsync("/dashboard/");
        await Expect(_page).ToHaveURLAsync(LoginUrl());
    }

    [Fact]
    public async Task The_page_never_holds_the_key()
    {
        await LogInAsync();
        await _page.ClickAsync("nav a[data-view=dead-letters]");
        await Expect(_page.Locator("#view-dead-letters")).ToBeVisibleAsync();
        await _page.ClickAsync("nav a[data-view=queues]");
        await Expect(_page.Locator("body[data-ready=true]")).ToHaveCountAsync(1, new() { Timeout = 20_000 });

        Assert.DoesNotContain(DashboardSilo.ApiKey, await _page.ContentAsync(), StringComparison.Ordinal);
        var script = await _page.EvaluateAsync<string>("() => document.cookie + '|' + JSON.stringify(localStorage) + '|' + JSON.stringify(sessionStorage)");
        Assert.DoesNotContain(DashboardSilo.ApiKey, script, StringComparison.Ordinal);
        Assert.DoesNotContain("omni_dashboard", script, StringComparison.Ordinal); // HttpOnly: scripts cannot read it.
        lock (_bodies)
        {
            Assert.NotEmpty(_bodies);
            Assert.All(_bodies, body => Assert.DoesNotContain(DashboardSilo.ApiKey, body, StringComparison.Ordinal));
        }
        var cookie = Assert.Single(await _context.CookiesAsync(), c => c.Name == "omni_dashboard");
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);
        Assert.DoesNotContain(DashboardSilo.ApiKey, cookie.Value, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Approving_and_rejecting_by_clicking_decides_the_tasks()
    {
        var queue = DashboardPages.Queue("approve");
        var accepted = await silo.EnqueueAsync(queue, "noop", new { amount = 12 }, requiresApproval: true);
        var rejected = await silo.EnqueueAsync(queue, "noop", new { amount = 99 }, requiresApproval: true);
        await silo.WaitForStatusAsync(accepted, s => s == "awaiting_approval", "awaiting approval");

        await LogInAsync();
        await _page.ClickAsync("nav a[data-view=approvals]");
        await Expect(_page.Locator("#approvals-unavailable")).ToBeHiddenAsync();
        var first = _page.Locator($"article.approval[data-task-id='{accepted}']");
        var second = _page.Locator($"article.approval[data-task-id='{rejected}']");
        await Expect(first).ToBeVisibleAsync(Soon);
        await Expect(first.Locator("pre")).ToContainTextAsync("12");

        await _page.FillAsync("#operator", "ada");
        await first.GetByRole(AriaRole.Button, new() { Name = "Accept", Exact = true }).ClickAsync();
        await Expect(first).ToHaveCountAsync(0, new() { Timeout = 20_000 });
        var task = await silo.WaitForStatusAsync(accepted, s => s == "succeeded", "succeeded after the approval");
        Assert.Equal("ada", task.GetProperty("approvals")[0].GetProperty("by").GetString());

        await second.GetByRole(AriaRole.Button, new() { Name = "Reject…" }).ClickAsync();
        await second.GetByLabel("Reason").FillAsync("too much");
        await second.GetByRole(AriaRole.Button, new() { Name = "Reject", Exact = true }).ClickAsync();
        await Expect(second).ToHaveCountAsync(0, new() { Timeout = 20_000 });
        var refused = await silo.WaitForStatusAsync(rejected, s => s != "awaiting_approval", "decided");
        Assert.NotEqual("succeeded", refused.GetProperty("status").GetString());
        Assert.Equal("reject", refused.GetProperty("approvals")[0].GetProperty("action").GetString());
    }

    [Fact]
    public async Task A_schedule_is_listed_with_its_next_fire_and_paused_by_clicking()
    {
        var name = DashboardPages.Queue("sched");
        using (var client = silo.CreateKeyClient())
        {
            using var put = await System.Net.Http.Json.HttpClientJsonExtensions.PutAsJsonAsync(client, $"/api/schedules/{name}",
                new { cron = "0 0 3 * * *", timeZone = "Europe/Paris", task = new { action = "noop", queue = name } });
            put.EnsureSuccessStatusCode();
        }
        await LogInAsync();
        await _page.ClickAsync("nav a[data-view=schedules]");
        var row = _page.Locator($"#schedules-table tr[data-schedule='{name}']");
        await Expect(row).ToBeVisibleAsync(Soon);
        await Expect(row).ToContainTextAsync("Europe/Paris");
        await Expect(row.Locator("td").Nth(4)).ToContainTextAsync("in ");

        await row.GetByRole(AriaRole.Button, new() { Name = "Pause" }).ClickAsync();
        await Expect(row.Locator("td").Nth(3)).ToHaveTextAsync("paused", new() { Timeout = 20_000 });
        using (var client = silo.CreateKeyClient())
        {
            var schedule = await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<System.Text.Json.JsonElement>(client, $"/api/schedules/{name}");
            Assert.True(schedule.GetProperty("paused").GetBoolean());
        }
        await row.GetByRole(AriaRole.Button, new() { Name = "Resume" }).ClickAsync();
        await Expect(row.Locator("td").Nth(3)).ToHaveTextAsync("active", new() { Timeout = 20_000 });
    }

    [Fact]
    public async Task A_purge_needs_a_second_click()
    {
        var id = await silo.EnqueueAsync(DashboardPages.Queue("purge"), "test-fail-once");
        await silo.WaitForStatusAsync(id, s => s == "dead_lettered", "dead-lettered");
        await LogInAsync();
        await _page.ClickAsync("nav a[data-view=dead-letters]");
        var row = _page.Locator($"#dlq-table tr[data-task-id='{id}']");
        await Expect(row).ToBeVisibleAsync(Soon);

        await row.GetByRole(AriaRole.Button, new() { Name = "Purge" }).ClickAsync();
        await Expect(row.GetByRole(AriaRole.Button, new() { Name = "Confirm purge" })).ToBeVisibleAsync();
        Assert.Equal("dead_lettered", (await silo.GetTaskAsync(id)).GetProperty("status").GetString());
        await row.GetByRole(AriaRole.Button, new() { Name = "Confirm purge" }).ClickAsync();
        await Expect(row).ToHaveCountAsync(0, new() { Timeout = 20_000 });
        using var client = silo.CreateKeyClient();
        using var gone = await client.GetAsync($"/api/tasks/{id}");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, gone.StatusCode);
    }

    private async Task LogInAsync()
    {
        if (!_page.Url.EndsWith("/dashboard/login", StringComparison.Ordinal))
        {
            await _page.GotoAsync("/dashboard/login");
        }
        await _page.FillAsync("#key", DashboardSilo.ApiKey);
        await _page.ClickAsync("button[type=submit]");
        await Expect(_page).ToHaveURLAsync(new Regex("/dashboard/(#.*)?$"));
        await Expect(_page.Locator("#logout")).ToBeVisibleAsync(Soon);
    }

    private static Regex LoginUrl() => new("/dashboard/login$");
}
