using System.Globalization;
using OmniActors.Cli.Hosting;

namespace OmniActors.Cli.Input;

/// <summary>Durations as people type them: <c>90</c> (seconds), <c>500ms</c>, <c>30s</c>, <c>5m</c>, <c>2h</c>, <c>1d</c>, or <c>hh:mm:ss</c>.</summary>
internal static class Durations
{
    public static double? Seconds(string? text, string option)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        text = text.Trim();
        var (number, unit) = Split(text);
        if (double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) && value >= 0)
        {
            double? seconds = unit switch
            {
                "" or "s" => value,
                "ms" => value / 1000,
                "m" => value * 60,
                "h" => value * 3600,
                "d" => value * 86400,
                _ => null,
            };
            if (seconds is { } s)
            {
                return s;
            }
        }
        if (text.Contains(':', StringComparison.Ordinal) && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span >= TimeSpan.Zero)
        {
            return span.TotalSeconds;
        }
        throw new UsageException($"{option}: '{text}' is not a duration (use e.g. 30s, 5m, 2h, 1d, 500ms or hh:mm:ss).");
    }

    private static (string Number, string Unit) Split(string text)
    {
        var i = text.Length;
        while (i > 0 && char.IsAsciiLetter(text[i - 1]))
        {
            i--;
        }
        return (text[..i], text[i..].ToLowerInvariant());
    }
}
