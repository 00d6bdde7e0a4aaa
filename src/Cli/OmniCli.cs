using System.CommandLine;
using OmniActors.Cli.Approvals;
using OmniActors.Cli.DeadLetters;
using OmniActors.Cli.Events;
using OmniActors.Cli.Hosting;
using OmniActors.Cli.Queues;
using OmniActors.Cli.Schedules;
using OmniActors.Cli.Tasks;

namespace OmniActors.Cli;

/// <summary><c>omni</c>: the OmniActors command line, over the silo's HTTP API.</summary>
public static class OmniCli
{
    /// <summary>The command tree, writing to <paramref name="console"/>.</summary>
    public static RootCommand Build(CliConsole console)
    {
        var options = new CliOptions(console);
        var root = new RootCommand("omni: enqueue, inspect and operate OmniActors tasks, queues, schedules and approvals over the HTTP API.");
        root.Options.Add(options.Url);
        root.Options.Add(options.ApiKey);
        root.Options.Add(options.Json);
        TaskCommands.AddTo(root, options);
        BatchCommand.AddTo(root, options);
        DeadLetterCommands.AddTo(root, options);
        QueueCommands.AddTo(root, options);
        ScheduleCommands.AddTo(root, options);
        ApprovalCommands.AddTo(root, options);
        TailCommand.AddTo(root, options);
        return root;
    }

    /// <summary>Parses and runs one command line; returns the exit code (see <see cref="ExitCodes"/>).</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, CliConsole console, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(console);
        // No response files: "@file" is ours (a JSON payload read from a file), not a list of more arguments.
        var parse = Build(console).Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await console.Error.WriteLineAsync($"omni: {error.Message}");
            }
            await console.Error.WriteLineAsync("Run 'omni --help' (or 'omni <command> --help') for usage.");
            return ExitCodes.Usage;
        }
        return await parse.InvokeAsync(new InvocationConfiguration
        {
            Output = console.Out,
            Error = console.Error,
            EnableDefaultExceptionHandler = false,
            ProcessTerminationTimeout = null, // Program handles Ctrl+C through the cancellation token.
        }, cancellationToken);
    }
}
