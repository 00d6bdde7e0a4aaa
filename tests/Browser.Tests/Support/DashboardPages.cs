using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace OmniActors.Browser.Tests.Support;

/// <summary>What the dashboard's browser tests do alike: log in, name a queue of their own, keep a screenshot.</summary>
public static class DashboardPages
{
    /// <summary>Logs the page in with the silo's key and waits until the dashboard drew its first view.</summary>
    public static async Task LogInAsync(IPage page)
    {
        ArgumentNullException.ThrowIfNull(page);
        await page.GotoAsync("/dashboard/login");
        await page.FillAsync("#key", DashboardSilo.ApiKey);
        await page.ClickAsync("button[type=submit]");
        await Expect(page).ToHaveURLAsync(new Regex("/dashboard/(#.*)?$"));
        await Expect(page.Locator("body[data-ready=true]")).ToHaveCountAsync(1, new() { Timeout = 20_000 });
    }

    /// <summary>A queue name no other test uses.</summary>
    public static string Queue(string what) => $"dash-{what}-{Guid.NewGuid():N}"[..24];

    /// <summary>
    /// Saves a full-page PNG under the test output's <c>screenshots/</c> and, when <c>OMNI_SCREENSHOTS</c> names a folder,
    /// copies it there (the artifacts a closing note shows).
    /// </summary>
    public static async Task<string> ScreenshotAsync(IPage page, string name)
    {
        ArgumentNullException.ThrowIfNull(page);
        var folder = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, name);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        if (Environment.GetEnvironmentVariable("OMNI_SCREENSHOTS") is { Length: > 0 } copies)
        {
            Directory.CreateDirectory(copies);
            File.Copy(path, Path.Combine(copies, name), overwrite: true);
        }
        return path;
    }
}
