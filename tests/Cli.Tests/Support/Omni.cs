using System.Text.Json;
using OmniActors.Cli.Hosting;

namespace OmniActors.Cli.Tests.Support;

/// <summary>What one run of the CLI printed and returned.</summary>
public sealed record CliRun(int Exit, string Out, string Error)
{
    /// <summary>Standard output parsed as JSON (for <c>--json</c> runs).</summary>
    public JsonElement Json
    {
        get
        {
            using var doc = JsonDocument.Parse(Out);
            return doc.RootElement.Clone();
        }
    }

    public override string ToString() => $"exit {Exit}\n--- stdout ---\n{Out}\n--- stderr ---\n{Error}";
}

/// <summary>Runs <c>omni</c> in process through its root command, with captured output, against a silo over HTTP.</summary>
public sealed class Omni(Uri url, string? apiKey = CliSilo.ApiKey)
{
    /// <summary>Runs with OMNI_URL and OMNI_API_KEY set as a user's shell would; <paramref name="stdin"/> feeds <c>-</c>.</summary>
    public async Task<CliRun> RunAsync(string[] args, string? stdin = null, CancellationToken cancellationToken = default)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var input = new StringReader(stdin ?? "");
        var environment = new Dictionary<string, string?> { ["OMNI_URL"] = url.ToString(), ["OMNI_API_KEY"] = apiKey, ["USER"] = "cli-tester" };
        var console = new CliConsole { Out = output, Error = error, In = input, Environment = name => environment.GetValueOrDefault(name) };
        var exit = await OmniCli.RunAsync(args, console, cancellationToken);
        return new CliRun(exit, output.ToString(), error.ToString());
    }

    public Task<CliRun> RunAsync(params string[] args) => RunAsync(args, null);

    /// <summary>Runs and asserts exit 0.</summary>
    public async Task<CliRun> OkAsync(params string[] args)
    {
        var run = await RunAsync(args, null);
        Assert.True(run.Exit == 0, $"omni {string.Join(' ', args)} failed:\n{run}");
        return run;
    }

    /// <summary>Runs with <c>--json</c> and returns the parsed output.</summary>
    public async Task<JsonElement> JsonAsync(params string[] args) => (await OkAsync([.. args, "--json"])).Json;

    /// <summary>The task's status, through <c>omni get --json</c>.</summary>
    public async Task<string> StatusAsync(string taskId) => (await JsonAsync("get", taskId)).GetProperty("status").GetString()!;

    /// <summary>Polls <c>omni get</c> until the task has the status.</summary>
    public Task<string> UntilStatusAsync(string taskId, string status) =>
        Eventually.Until(() => StatusAsync(taskId), s => s == status, TimeSpan.FromSeconds(30), $"task {taskId} is {status}");

    /// <summary>A queue name no other test uses.</summary>
    public static string Queue(string prefix) => $"{prefix}-{Guid.NewGuid():N}";
}
