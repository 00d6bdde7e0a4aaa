using System.CommandLine;
using System.Text.Json;
using OmniActors.Cli.Http;

namespace OmniActors.Cli.Hosting;

/// <summary>One run of one command: its parsed values, the console, and the API it talks to.</summary>
internal sealed class Invocation(ParseResult parse, CliConsole console, CliOptions options, CancellationToken cancellationToken) : IDisposable
{
    private OmniApi? _api;

    public CliConsole Console { get; } = console;

    public CancellationToken Cancel { get; } = cancellationToken;

    public TextWriter Out => Console.Out;

    public TextWriter Error => Console.Error;

    /// <summary>True when <c>--json</c> asks for the server's JSON as it came.</summary>
    public bool Json => parse.GetValue(options.Json);

    /// <summary>The API at <c>--url</c> (or <c>OMNI_URL</c>) with the key of <c>--api-key</c> (or <c>OMNI_API_KEY</c>).</summary>
    public OmniApi Api => _api ??= new OmniApi(BaseUrl(), parse.GetValue(options.ApiKey) ?? NonEmpty(Console.Environment("OMNI_API_KEY")));

    public T? Get<T>(Option<T> option) => parse.GetValue(option);

    public T Get<T>(Argument<T> argument) => parse.GetValue(argument)!;

    /// <summary>Writes the answer: raw JSON under <c>--json</c>, else the readable form.</summary>
    public int Emit(ApiResponse response, Action<JsonElement> readable)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(readable);
        if (Json)
        {
            Out.WriteLine(response.Body);
        }
        else
        {
            readable(response.Json);
        }
        return ExitCodes.Ok;
    }

    public void Dispose() => _api?.Dispose();

    private Uri BaseUrl()
    {
        var text = parse.GetValue(options.Url) ?? NonEmpty(Console.Environment("OMNI_URL")) ?? CliOptions.DefaultUrl;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            throw new UsageException($"--url: '{text}' is not an http(s) URL (for example {CliOptions.DefaultUrl}).");
        }
        // A base without a trailing slash would drop its last path segment when "api/..." is resolved against it.
        return url.AbsoluteUri.EndsWith('/') ? url : new Uri(url.AbsoluteUri + "/");
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
