using System.Diagnostics;

namespace OmniActors.Deploy.Tests.Support;

/// <summary>
/// The dotnet CLI as a user runs it: builds and packs in child processes, without the test host's MSBuild settings, with
/// no build servers left behind (they would hold the output pipes open after the command ended).
/// </summary>
public static class Dotnet
{
    /// <summary>The dotnet executable running these tests (the SDK's host), else the one on PATH.</summary>
    public static string Executable => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>Runs <c>dotnet {arguments}</c> in <paramref name="workingDirectory"/> and fails the test unless it exits 0.</summary>
    public static async Task<ProcessResult> RunAsync(string workingDirectory, TimeSpan timeout, params string[] arguments)
    {
        using var process = Start(workingDirectory, new Dictionary<string, string>(), arguments);
        var result = await Processes.WaitAsync(process, timeout);
        Assert.True(result.ExitCode == 0, $"dotnet {string.Join(' ', arguments)}\n{result}");
        return result;
    }

    /// <summary>Starts <c>dotnet {arguments}</c> with its output redirected; the caller waits or kills it.</summary>
    public static Process Start(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var info = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        // The test host runs under MSBuild's and the test platform's variables; a child build must not inherit them.
        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)
                     || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(name);
        }
        info.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }
        return Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet");
    }
}
