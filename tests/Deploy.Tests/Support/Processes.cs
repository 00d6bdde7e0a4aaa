using System.Diagnostics;

namespace OmniActors.Deploy.Tests.Support;

public sealed record ProcessResult(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
}

/// <summary>Runs deploy/install-schema.sh with a controlled environment.</summary>
public static class Processes
{
    /// <summary>Variables the script reads for its connection, removed from the inherited environment.</summary>
    private static readonly string[] ConnectionVariables =
    [
        "DATABASE_URL", "OmniActors__Storage__ConnectionString", "PGHOST", "PGHOSTADDR", "PGPORT", "PGUSER",
        "PGPASSWORD", "PGDATABASE", "PGSERVICE", "PGSSLMODE", "PGOPTIONS", "PGPASSFILE", "OMNI_SQL_DIR",
    ];

    public static Task<ProcessResult> InstallSchemaAsync(IReadOnlyDictionary<string, string> environment, params string[] arguments) =>
        RunAsync("bash", [RepoPaths.InstallSchemaScript, .. arguments], environment, TimeSpan.FromMinutes(2));

    public static Process StartInstallSchema(IReadOnlyDictionary<string, string> environment, params string[] arguments) =>
        Start("bash", [RepoPaths.InstallSchemaScript, .. arguments], environment);

    public static async Task<ProcessResult> RunAsync(string file, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        using var process = Start(file, arguments, environment);
        return await WaitAsync(process, timeout);
    }

    public static Process Start(string file, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepoPaths.Root,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        foreach (var name in ConnectionVariables)
        {
            info.Environment.Remove(name);
        }
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }
        return Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
    }

    public static async Task<ProcessResult> WaitAsync(Process process, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(process);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{process.StartInfo.FileName} {string.Join(' ', process.StartInfo.ArgumentList)} did not finish in {timeout}");
        }
        return new ProcessResult(process.ExitCode, await output, await error);
    }

    /// <summary>True when <paramref name="command"/> is on PATH.</summary>
    public static bool OnPath(string command) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, command)));
}
