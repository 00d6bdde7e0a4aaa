using System.Text;

namespace OmniActors.Cli.Http;

/// <summary>Builds API paths: escaped segments and a query string of the values that are set.</summary>
internal static class Paths
{
    /// <summary>One escaped path segment (ids and names may hold any character).</summary>
    public static string Segment(string value) => Uri.EscapeDataString(value);

    public static string WithQuery(string path, params (string Name, string? Value)[] query)
    {
        var builder = new StringBuilder(path);
        var first = true;
        foreach (var (name, value) in query)
        {
            if (string.IsNullOrEmpty(value))
            {
                continue;
            }
            builder.Append(first ? '?' : '&').Append(name).Append('=').Append(Uri.EscapeDataString(value));
            first = false;
        }
        return builder.ToString();
    }
}
