namespace OmniActors.Cli.Hosting;

/// <summary>The process exit codes of <c>omni</c>.</summary>
public static class ExitCodes
{
    /// <summary>The command did what it was asked.</summary>
    public const int Ok = 0;
    /// <summary>The server refused or failed the request (a problem response), or some batch items failed.</summary>
    public const int Failed = 1;
    /// <summary>Bad input: unknown command or flag, missing argument, malformed JSON, unreadable file.</summary>
    public const int Usage = 2;
    /// <summary>The server could not be reached (connection refused, name not resolved, timeout).</summary>
    public const int Unreachable = 3;
}

/// <summary>The user's input is wrong; nothing was sent.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>The server could not be reached.</summary>
internal sealed class ApiUnreachableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>An RFC 9457 problem (or any non-success answer) from the server.</summary>
internal sealed class ApiProblemException(int status, string title, string? detail, string? code, string body)
    : Exception($"{status} {title}: {detail}")
{
    /// <summary>The HTTP status.</summary>
    public int Status { get; } = status;
    /// <summary>The problem's title (or the reason phrase).</summary>
    public string Title { get; } = title;
    /// <summary>The problem's detail.</summary>
    public string? Detail { get; } = detail;
    /// <summary>The problem's stable <c>code</c> extension.</summary>
    public string? Code { get; } = code;
    /// <summary>The response body as received.</summary>
    public string Body { get; } = body;
}
