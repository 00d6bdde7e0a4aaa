namespace OmniActors.Cli.Hosting;

/// <summary>Where a run of the CLI reads and writes: the process console, or captured writers in tests.</summary>
public sealed class CliConsole
{
    /// <summary>Command output (tables, lines, JSON).</summary>
    public required TextWriter Out { get; init; }

    /// <summary>Errors and progress.</summary>
    public required TextWriter Error { get; init; }

    /// <summary>What <c>-</c> reads (payloads, batch files).</summary>
    public TextReader In { get; init; } = TextReader.Null;

    /// <summary>Environment variable lookup (<c>OMNI_URL</c>, <c>OMNI_API_KEY</c>, <c>USER</c>).</summary>
    public Func<string, string?> Environment { get; init; } = global::System.Environment.GetEnvironmentVariable;

    /// <summary>True when <see cref="Error"/> is a terminal: progress then redraws one line instead of printing many.</summary>
    public bool ErrorIsTerminal { get; init; }

    /// <summary>The process console.</summary>
    public static CliConsole System() => new()
    {
        Out = Console.Out,
        Error = Console.Error,
        In = Console.In,
        ErrorIsTerminal = !Console.IsErrorRedirected,
    };
}
