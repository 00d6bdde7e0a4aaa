using System.CommandLine;
using OmniActors.Cli.Http;

namespace OmniActors.Cli.Hosting;

/// <summary>The options every command takes, and the one place that runs a command's action and maps its failures to exit codes.</summary>
internal sealed class CliOptions(CliConsole console)
{
    /// <summary>The silo's address when neither <c>--url</c> nor <c>OMNI_URL</c> is given (its launch profile's port).</summary>
    public const string DefaultUrl = "http://localhost:5080";

    public Option<string?> Url { get; } = new("--url")
    {
        Description = $"The silo's HTTP address (env OMNI_URL; default {DefaultUrl}).",
        Recursive = true,
    };

    public Option<string?> ApiKey { get; } = new("--api-key")
    {
        Description = "The API key, sent as X-Api-Key (env OMNI_API_KEY).",
        Recursive = true,
    };

    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Print the server's JSON as it came instead of a table.",
        Recursive = true,
    };

    public CliConsole Console { get; } = console;

    /// <summary>Makes <paramref name="body"/> the command's action.</summary>
    public void Handle(Command command, Func<Invocation, Task<int>> body) =>
        command.SetAction((parse, cancellationToken) => RunAsync(parse, body, cancellationToken));

    private async Task<int> RunAsync(ParseResult parse, Func<Invocation, Task<int>> body, CancellationToken cancellationToken)
    {
        using var invocation = new Invocation(parse, Console, this, cancellationToken);
        try
        {
            return await body(invocation);
        }
        catch (UsageException ex)
        {
            await Console.Error.WriteLineAsync($"omni: {ex.Message}");
            return ExitCodes.Usage;
        }
        catch (ApiProblemException ex)
        {
            if (invocation.Json && ex.Body.Length > 0)
            {
                await Console.Out.WriteLineAsync(ex.Body);
            }
            await WriteProblemAsync(ex);
            return ExitCodes.Failed;
        }
        catch (ApiUnreachableException ex)
        {
            await Console.Error.WriteLineAsync($"omni: {ex.Message}");
            return ExitCodes.Unreachable;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return 130; // Interrupted (Ctrl+C), as shells report it.
        }
    }

    private async Task WriteProblemAsync(ApiProblemException problem)
    {
        var error = Console.Error;
        var detail = string.IsNullOrEmpty(problem.Detail) ? "" : $": {problem.Detail}";
        await error.WriteLineAsync($"omni: {problem.Status} {problem.Title}{detail}");
        if (problem.Code is { } code)
        {
            await error.WriteLineAsync($"  code: {code}");
        }
        if (problem.Status == 401)
        {
            await error.WriteLineAsync("  hint: pass the silo's API key with --api-key or the OMNI_API_KEY environment variable.");
        }
    }
}
