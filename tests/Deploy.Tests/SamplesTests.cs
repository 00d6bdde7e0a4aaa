using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using OmniActors.Deploy.Tests.Support;
using OmniActors.Tests.Shared;

namespace OmniActors.Deploy.Tests;

/// <summary>
/// The samples as a user meets them: the libraries packed to a local folder feed, samples 1 (a web app hosting a silo)
/// and 2 (a client-only console app) built against those packages (never the projects), sample 1 run and a task
/// enqueued through its endpoint over real HTTP, sample 2 run against sample 1's Orleans gateway. A broken package or a
/// public type gone missing fails here.
/// </summary>
public sealed class SamplesTests
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan RunDeadline = TimeSpan.FromSeconds(90);

    /// <summary>The libraries sample 1 and 2 need (AspNetCore brings the other three).</summary>
    private static readonly string[] Libraries =
    [
        "src/AspNetCore/OmniActors.AspNetCore.csproj",
        "src/Grains/OmniActors.Grains.csproj",
        "src/Grains.Interfaces/OmniActors.Grains.Interfaces.csproj",
        "src/Client/OmniActors.Client.csproj",
    ];

    [Fact]
    public void The_samples_use_the_version_the_repository_packs()
    {
        Assert.Equal(Property(Path.Combine(RepoPaths.Root, "Directory.Build.props"), "Version"),
            Property(Path.Combine(RepoPaths.Root, "samples", "Directory.Build.props"), "OmniActorsVersion"));
    }

    [Fact]
    public void The_samples_are_not_in_the_solution_and_reference_packages_only()
    {
        Assert.DoesNotContain("samples", File.ReadAllText(Path.Combine(RepoPaths.Root, "OmniActors.sln")), StringComparison.OrdinalIgnoreCase);
        foreach (var project in Directory.GetFiles(Path.Combine(RepoPaths.Root, "samples"), "*.csproj", SearchOption.AllDirectories))
        {
            var xml = XDocument.Load(project);
            Assert.Empty(xml.Descendants("ProjectReference"));
            Assert.Contains(xml.Descendants("PackageReference"), r => ((string?)r.Attribute("Include"))?.StartsWith("OmniActors.", StringComparison.Ordinal) == true);
        }
    }

    [Fact]
    public async Task Samples_build_from_the_packages_and_a_task_enqueued_through_the_web_sample_succeeds()
    {
        var work = Directory.CreateTempSubdirectory("omni-samples-");
        try
        {
            // A version of this run's own: the packages can never be confused with a cached build of the same version.
            var version = $"{Property(Path.Combine(RepoPaths.Root, "Directory.Build.props"), "Version")}.t{DateTime.UtcNow:yyyyMMddHHmmss}{Guid.NewGuid().ToString("N")[..6]}";
            // The layout the samples' NuGet.config expects: samples/ beside artifacts/packages.
            var feed = Directory.CreateDirectory(Path.Combine(work.FullName, "artifacts", "packages")).FullName;
            var samples = Path.Combine(work.FullName, "samples");
            CopySamples(Path.Combine(RepoPaths.Root, "samples"), samples);

            // Restored after the build of the solution (the test project depends on it), so no restore here; one Release
            // build for all four, then the other three pack what it built.
            string[] common = ["-c", "Release", $"-p:Version={version}", "-o", feed, "--no-restore", "-nodeReuse:false", "-p:UseSharedCompilation=false"];
            await Dotnet.RunAsync(RepoPaths.Root, BuildTimeout, ["pack", Libraries[0], .. common]);
            foreach (var library in Libraries.Skip(1))
            {
                await Dotnet.RunAsync(RepoPaths.Root, BuildTimeout, ["pack", library, "--no-build", .. common]);
            }
            Assert.Equal(
                Libraries.Select(l => $"{Path.GetFileNameWithoutExtension(l)}.{version}.nupkg").Order(StringComparer.Ordinal),
                Directory.GetFiles(feed, "*.nupkg").Select(Path.GetFileName).Order(StringComparer.Ordinal));

            // This run's packages go to a packages folder of its own; everything else comes from the machine's cache.
            string[] build = ["build", "-c", "Release", $"-p:OmniActorsVersion={version}",
                $"-p:RestorePackagesPath={Path.Combine(work.FullName, "nuget-packages")}",
                $"-p:RestoreFallbackFolders={GlobalPackagesFolder()}",
                "-nodeReuse:false", "-p:UseSharedCompilation=false"];
            await Dotnet.RunAsync(Path.Combine(samples, "WebApp"), BuildTimeout, build);
            await Dotnet.RunAsync(Path.Combine(samples, "ClientConsole"), BuildTimeout, build);
            AssertBuiltFromPackages(Path.Combine(samples, "WebApp"), version);

            var (siloPort, gatewayPort) = LoopbackPorts.Pair();
            var httpPort = LoopbackPorts.One();
            var webApp = Path.Combine(samples, "WebApp");
            using var app = Dotnet.Start(webApp, new Dictionary<string, string>
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Development",
                ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{httpPort}",
                ["OmniActors__Cluster__SiloPort"] = siloPort.ToString(CultureInfo.InvariantCulture),
                ["OmniActors__Cluster__GatewayPort"] = gatewayPort.ToString(CultureInfo.InvariantCulture),
            }, Path.Combine(webApp, "bin", "Release", "net10.0", "WebApp.dll"));
            var appOutput = new StringBuilder();
            app.OutputDataReceived += (_, e) => { lock (appOutput) { appOutput.AppendLine(e.Data); } };
            app.ErrorDataReceived += (_, e) => { lock (appOutput) { appOutput.AppendLine(e.Data); } };
            app.BeginOutputReadLine();
            app.BeginErrorReadLine();
            try
            {
                using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
                await Until(app, appOutput, async () => await Ready(http), "sample 1 reports ready");

                using var enqueued = await http.PostAsJsonAsync("/signups", new { email = "ada@example.com", name = "Ada" });
                Assert.Equal(HttpStatusCode.Accepted, enqueued.StatusCode);
                var id = (await enqueued.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
                Assert.Equal($"/signups/{id}", enqueued.Headers.Location?.ToString());

                JsonElement shown = default;
                await Until(app, appOutput, async () =>
                {
                    shown = await http.GetFromJsonAsync<JsonElement>($"/signups/{id}");
                    return shown.GetProperty("status").GetString() == "Succeeded";
                }, $"signup task {id} succeeded");
                var welcome = shown.GetProperty("welcome");
                Assert.Equal("Welcome, Ada!", welcome.GetProperty("message").GetString());
                Assert.Equal("ada@example.com", welcome.GetProperty("sentTo").GetString());
                Assert.Equal(1, welcome.GetProperty("attempt").GetInt32());

                // Sample 2, only the client package, enqueues sample 1's typed action through the Orleans gateway.
                using var client = Dotnet.Start(Path.Combine(samples, "ClientConsole"), new Dictionary<string, string>(),
                    Path.Combine(samples, "ClientConsole", "bin", "Release", "net10.0", "ClientConsole.dll"),
                    gatewayPort.ToString(CultureInfo.InvariantCulture), "send-welcome", """{"email":"grace@example.com","name":"Grace"}""");
                var ran = await Processes.WaitAsync(client, RunDeadline);
                Assert.True(ran.ExitCode == 0, ran.ToString());
                Assert.Contains("\"message\":\"Welcome, Grace!\"", ran.Output, StringComparison.Ordinal);
            }
            finally
            {
                app.Kill(entireProcessTree: true);
                await app.WaitForExitAsync();
            }
        }
        finally
        {
            try
            {
                work.Delete(recursive: true);
            }
            catch (IOException)
            {
                // A file still held by a process that is going away; a temp folder left behind is harmless.
            }
        }
    }

    private static async Task<bool> Ready(HttpClient http)
    {
        try
        {
            using var response = await http.GetAsync(new Uri("/health/ready", UriKind.Relative));
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;   // not listening yet
        }
    }

    /// <summary>Waits for <paramref name="condition"/> with a deadline; fails at once, with its output, if the app exits.</summary>
    private static async Task Until(Process app, StringBuilder output, Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + RunDeadline;
        while (!await condition())
        {
            if (app.HasExited || DateTime.UtcNow > deadline)
            {
                lock (output)
                {
                    Assert.Fail($"{what}: {(app.HasExited ? $"sample 1 exited ({app.ExitCode})" : "not in time")}\n{output}");
                }
            }
            await Task.Delay(100);
        }
    }

    /// <summary>The sample's restore took the OmniActors packages of this run from the feed, not the repository's projects.</summary>
    private static void AssertBuiltFromPackages(string project, string version)
    {
        using var assets = JsonDocument.Parse(File.ReadAllText(Path.Combine(project, "obj", "project.assets.json")));
        var libraries = assets.RootElement.GetProperty("libraries").EnumerateObject()
            .Where(l => l.Name.StartsWith("OmniActors.", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, libraries.Count);
        Assert.All(libraries, l =>
        {
            Assert.Equal($"/{version}", l.Name[l.Name.IndexOf('/', StringComparison.Ordinal)..]);
            Assert.Equal("package", l.Value.GetProperty("type").GetString());
        });
    }

    private static void CopySamples(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(from, file);
            var parts = relative.Split(Path.DirectorySeparatorChar);
            if (parts.Any(p => p is "bin" or "obj" or "data" or "__pycache__"))
            {
                continue;
            }
            var target = Path.Combine(to, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    private static string Property(string propsFile, string name) =>
        XDocument.Load(propsFile).Descendants(name).Select(e => e.Value).Single();

    private static string GlobalPackagesFolder() =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

}
