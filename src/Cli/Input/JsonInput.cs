using System.Text.Json;
using System.Text.Json.Nodes;
using OmniActors.Cli.Hosting;

namespace OmniActors.Cli.Input;

/// <summary>JSON the user gives on the command line: inline, <c>@file</c>, or <c>-</c> for standard input.</summary>
internal static class JsonInput
{
    /// <summary>Reads and parses the value of <paramref name="option"/>; a usage error when it is not JSON.</summary>
    public static async Task<JsonNode?> ReadAsync(string value, string option, CliConsole console, CancellationToken cancellationToken)
    {
        var text = await TextAsync(value, option, console, cancellationToken);
        return Parse(text, option);
    }

    /// <summary>The text behind <c>@file</c>, <c>-</c> or an inline value.</summary>
    public static async Task<string> TextAsync(string value, string option, CliConsole console, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(console);
        if (value == "-")
        {
            return await console.In.ReadToEndAsync(cancellationToken);
        }
        if (value.StartsWith('@'))
        {
            var path = value[1..];
            try
            {
                return await File.ReadAllTextAsync(path, cancellationToken);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                throw new UsageException($"{option}: cannot read '{path}': {ex.Message}");
            }
        }
        return value;
    }

    /// <summary>Parses JSON text; a usage error naming the option and position when it is malformed.</summary>
    public static JsonNode? Parse(string text, string what)
    {
        try
        {
            return JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { MaxDepth = 256 });
        }
        catch (JsonException ex)
        {
            throw new UsageException($"{what} is not valid JSON: {ex.Message}");
        }
    }
}
