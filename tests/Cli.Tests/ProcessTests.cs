using System.Diagnostics;
using OmniActors.Cli.Tests.Support;

namespace OmniActors.Cli.Tests;

/// <summary>The built <c>omni</c> executable as a user runs it: environment, standard input, exit codes of the process.</summary>
[Collection(CliSiloCollection.Name)]
public sealed class ProcessTests(CliSilo silo)
{
    private static async Task<CliRun> OmniAsync(IDictionary<string, string> environment, string? stdin, params string[] args)
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "omni.exe" : "omni"))
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment.Remove("OMNI_URL");
        start.Environment.Remove("OMNI_API_KEY");
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(stdin ?? "");
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return new CliRun(process.ExitCode, await output, await error);
    }

    [Fact]
    public async Task The_executable_reads_its_settings_from_the_environment_and_its_payload_from_stdin()
    {
        var environment = new Dictionary<string, string> { ["OMNI_URL"] = silo.Url.ToString(), ["OMNI_API_KEY"] = CliSilo.ApiKey };
        var queue = Omni.Queue("cli-process");
        var run = await OmniAsync(environment, """{"via":"pipe"}""", "enqueue", "echo", "--queue", queue, "--payload", "-", "--json");
        Assert.True(run.Exit == 0, run.ToString());
        var id = run.Json.GetProperty("id").GetString()!;
        var task = await new Omni(silo.Url).JsonAsync("get", id);
        Assert.Equal("pipe", task.GetProperty("payload").GetProperty("via").GetString());

        var missing = await OmniAsync(environment, null, "get", "no-such-task");
        Assert.Equal(1, missing.Exit);
        Assert.Contains("404 Not found", missing.Error, StringComparison.Ordinal);

        var usage = await OmniAsync(environment, null, "list", "--bogus");
        Assert.Equal(2, usage.Exit);

        var noKey = await OmniAsync(new Dictionary<string, string> { ["OMNI_URL"] = silo.Url.ToString() }, null, "queues", "list");
        Assert.Equal(1, noKey.Exit);
        Assert.Contains("code: api_key_missing", noKey.Error, StringComparison.Ordinal);
    }
}
