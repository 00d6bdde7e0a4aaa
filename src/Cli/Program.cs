using OmniActors.Cli;
using OmniActors.Cli.Hosting;

using var interrupt = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true; // End the command cleanly (close the event stream) rather than kill the process.
    interrupt.Cancel();
};
return await OmniCli.RunAsync(args, CliConsole.System(), interrupt.Token);
