using OmniActors.Cli.Hosting;

namespace OmniActors.Cli;

/// <summary>The <c>omni</c> process (a named class, not top-level statements, so its <c>Program</c> never clashes with the silo's in tests).</summary>
internal static class OmniProgram
{
    public static async Task<int> Main(string[] args)
    {
        using var interrupt = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true; // End the command cleanly (close the event stream) rather than kill the process.
            interrupt.Cancel();
        };
        return await OmniCli.RunAsync(args, CliConsole.System(), interrupt.Token);
    }
}
