using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using OmniActors.Browser.Tests.Support;

namespace OmniActors.Browser.Tests;

/// <summary>
/// <c>/api/events/ws</c> opened by chromium's own WebSocket, as an approval UI in a browser would: with the dashboard
/// session cookie, resumed from a sequence, and refused without a session or from a page of another origin.
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed class DashboardSocketTests(DashboardSilo silo, Chromium chromium) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    // Opens a socket in the page and keeps what it receives (parsed), whether it opened and its close code.
    private const string OpenSocket = """
        ([name, url]) => {
          window.sockets ??= {};
          const s = { messages: [], opened: false, closed: null };
          window.sockets[name] = s;
          const ws = new WebSocket(url);
          s.close = () => ws.close(1000, 'done');
          ws.onopen = () => { s.opened = true; };
          ws.onmessage = (e) => s.messages.push(JSON.parse(e.data));
          ws.onclose = (e) => { s.closed = e.code; };
        }
        """;

    private IBrowserContext _context = null!;
    private IPage _page = null!;

    public async Task InitializeAsync()
    {
        _context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = silo.BaseAddress.ToString() });
        _page = await _context.NewPageAsync();
    }

    public async Task DisposeAsync() => await _context.DisposeAsync();

    [Fact]
    public async Task A_browser_socket_with_the_dashboard_session_resumes_from_a_sequence_without_gap_or_duplicate()
    {
        var queue = DashboardPages.Queue("ws");
        await DashboardPages.LogInAsync(_page);

        await OpenAsync(_page, "first", $"queue={queue}&snapshots=false");
        await UntilAsync(_page, "first", "connected", 1);
        var first = await silo.EnqueueAsync(queue, "noop");
        var seen = await UntilAsync(_page, "first", "event", 3);
        Assert.Equal(["enqueued", "executing", "complete"], seen.Select(Type));
        Assert.All(seen, e => Assert.Equal(first, e.GetProperty("event").GetProperty("id").GetString()));
        var lastSeen = seen.Max(Seq);
        await _page.EvaluateAsync("n => window.sockets[n].close()", "first");
        await _page.WaitForFunctionAsync("n => window.sockets[n].closed !== null", "first");

        // While the page is away: two tasks run, and one waits for a human decision.
        for (var i = 0; i < 2; i++)
        {
            await silo.WaitForStatusAsync(await silo.EnqueueAsync(queue, "noop"), s => s == "succeeded", "succeeded");
        }
        var waiting = await silo.EnqueueAsync(queue, "echo", requiresApproval: true);
        await silo.WaitForStatusAsync(waiting, s => s == "awaiting_approval", "awaiting approval");
        var missed = await LoggedSequencesAsync(queue, lastSeen);
        Assert.Equal(7, missed.Count);

        await OpenAsync(_page, "resumed", $"queue={queue}&snapshots=false&lastEventId={lastSeen}");
        var replayed = await UntilAsync(_page, "resumed", "event", missed.Count);
        Assert.Equal(missed, replayed.Select(Seq));
        Assert.Equal(waiting, replayed.Single(e => Op(e) == "approval_required").GetProperty("event").GetProperty("id").GetString());

        // Then live: the next task's events follow the replay, nothing repeated, nothing skipped.
        var live = await silo.EnqueueAsync(queue, "noop");
        var all = await UntilAsync(_page, "resumed", "event", missed.Count + 3);
        Assert.Equal(await LoggedSequencesAsync(queue, lastSeen), all.Select(Seq));
        Assert.All(all.Skip(missed.Count), e => Assert.Equal(live, e.GetProperty("event").GetProperty("id").GetString()));

        using var client = silo.CreateKeyClient();
        using var rejected = await client.PostAsJsonAsync($"/api/approvals/{waiting}/reject", new { by = "browser test", reason = "test over" });
        rejected.EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task The_socket_refuses_a_browser_without_a_session_and_a_page_of_another_origin()
    {
        var queue = DashboardPages.Queue("wsauth");

        // No session: the login page is the silo's own origin, yet the handshake is refused.
        await _page.GotoAsync("/dashboard/login");
        await OpenAsync(_page, "anonymous", $"queue={queue}");
        await AssertRefusedAsync(_page, "anonymous");

        // Logged in, from the dashboard's origin: connected.
        await DashboardPages.LogInAsync(_page);
        await OpenAsync(_page, "dashboard", $"queue={queue}");
        await UntilAsync(_page, "dashboard", "connected", 1);

        // Logged in, but from a page of another origin on the same host: the browser sends the session cookie along (same
        // site) with that page's Origin, and the origin check refuses the handshake.
        await using var otherOrigin = await OtherOrigin.StartAsync();
        var other = await _context.NewPageAsync();
        await other.GotoAsync(otherOrigin.Address.ToString());
        await OpenAsync(other, "foreign", $"queue={queue}");
        await AssertRefusedAsync(other, "foreign");
    }

    private async Task OpenAsync(IPage page, string name, string query)
    {
        var url = new UriBuilder(silo.BaseAddress) { Scheme = "ws", Path = "/api/events/ws", Query = query }.Uri.ToString();
        await page.EvaluateAsync(OpenSocket, new object[] { name, url });
    }

    private static async Task AssertRefusedAsync(IPage page, string name)
    {
        // Closed, or (had it been let in) its first message.
        await page.WaitForFunctionAsync("n => window.sockets[n].closed !== null || window.sockets[n].messages.length > 0", name,
            new() { Timeout = (float)Deadline.TotalMilliseconds });
        Assert.False(await page.EvaluateAsync<bool>("n => window.sockets[n].opened", name));
        Assert.Equal(0, await page.EvaluateAsync<int>("n => window.sockets[n].messages.length", name));
        // 1006: the handshake failed (a browser does not show a refused upgrade's status).
        Assert.Equal(1006, await page.EvaluateAsync<int>("n => window.sockets[n].closed", name));
    }

    /// <summary>
    /// Waits until the page's socket received <paramref name="count"/> messages of the op (<c>event</c> counts
    /// <c>approval_required</c> too); returns them, or fails on the deadline or if the socket closed.
    /// </summary>
    private static async Task<List<JsonElement>> UntilAsync(IPage page, string name, string op, int count)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            var text = await page.EvaluateAsync<string>("n => JSON.stringify(window.sockets[n])", name);
            using var doc = JsonDocument.Parse(text);
            var matching = doc.RootElement.GetProperty("messages").EnumerateArray()
                .Where(m => op == "event" ? Op(m) is "event" or "approval_required" : Op(m) == op).Select(m => m.Clone()).ToList();
            if (matching.Count >= count)
            {
                return matching;
            }
            var closed = doc.RootElement.GetProperty("closed");
            if (closed.ValueKind != JsonValueKind.Null || DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Socket {name}: {matching.Count} of {count} '{op}' messages; closed: {closed}.");
            }
            await page.WaitForTimeoutAsync(50);
        }
    }

    /// <summary>The event log's sequences of the queue after <paramref name="after"/>, as the API lists them.</summary>
    private async Task<List<long>> LoggedSequencesAsync(string queue, long after)
    {
        using var client = silo.CreateKeyClient();
        var page = await client.GetFromJsonAsync<JsonElement>($"/api/event-log?queue={Uri.EscapeDataString(queue)}&cursor={after}");
        return page.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("sequence").GetInt64()).ToList();
    }

    private static string Op(JsonElement message) => message.GetProperty("op").GetString()!;

    private static string Type(JsonElement message) => message.GetProperty("event").GetProperty("type").GetString()!;

    private static long Seq(JsonElement message) => long.Parse(message.GetProperty("id").GetString()!, CultureInfo.InvariantCulture);
}
