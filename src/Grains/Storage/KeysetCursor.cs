using System.Globalization;
using System.Text;
using OmniActors.Errors;

namespace OmniActors.Storage;

/// <summary>
/// The opaque cursor of newest-first keyset paging (tasks by creation, events by receipt): the last item's time in Unix
/// milliseconds and its id, base64. A cursor the API did not return is a validation error, never a silent first page.
/// </summary>
public static class KeysetCursor
{
    /// <summary>The cursor that continues after the item at <paramref name="at"/> with <paramref name="id"/>.</summary>
    public static string Encode(DateTimeOffset at, string id) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{at.ToUnixTimeMilliseconds()}:{id}")));

    /// <summary>The (time, id) a cursor names, or null for none; throws <see cref="TaskValidationException"/> for one the API did not return.</summary>
    public static (long At, string Id)? Decode(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return null;
        }
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(cursor));
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && colon < text.Length - 1 && long.TryParse(text.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var at))
            {
                return (at, text[(colon + 1)..]);
            }
        }
        catch (FormatException)
        {
        }
        throw new TaskValidationException(ErrorCodes.Validation, "\"cursor\" is not a cursor this API returned.");
    }
}
