using Microsoft.Playwright;

namespace OmniActors.Browser.Tests.Support;

/// <summary>
/// Playwright's .NET driver (its bundled node driver, no download) driving Debian's chromium: one browser for the
/// whole run, a fresh context (no cookies, no storage) per test. <c>OMNI_CHROMIUM</c> overrides the executable.
/// </summary>
public sealed class Chromium : IAsyncLifetime
{
    public static string ExecutablePath => Environment.GetEnvironmentVariable("OMNI_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException(
                $"No chromium at {ExecutablePath}: install Debian's package (apt-get install chromium; .ci/run and test.sh do) or set OMNI_CHROMIUM.");
        }
        // Generous waits: the full suite shares two cores, and every wait ends as soon as its condition holds.
        Assertions.SetDefaultExpectTimeout(20_000);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            // Root in a container needs --no-sandbox; the rest keep chromium off the (closed) network.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }
        _playwright?.Dispose();
    }
}

/// <summary>One silo and one browser shared by the dashboard tests (they run one after another).</summary>
[CollectionDefinition(Name)]
public sealed class DashboardCollection : ICollectionFixture<DashboardSilo>, ICollectionFixture<Chromium>
{
    public const string Name = "dashboard";
}
