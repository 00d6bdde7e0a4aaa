using System.Data.Common;
using System.Globalization;

namespace OmniActors.Storage;

/// <summary>Reading our columns the same way on SQLite and PostgreSQL: nullable text, integers and Unix-millisecond times.</summary>
public static class DbRows
{
    /// <summary>The text, or null for SQL NULL.</summary>
    public static string? NullableString(this DbDataReader r, int i)
    {
        ArgumentNullException.ThrowIfNull(r);
        return r.IsDBNull(i) ? null : r.GetString(i);
    }

    /// <summary>An integer column as a long, whichever integer type the provider hands back.</summary>
    public static long WholeNumber(this DbDataReader r, int i)
    {
        ArgumentNullException.ThrowIfNull(r);
        return Convert.ToInt64(r.GetValue(i), CultureInfo.InvariantCulture);
    }

    /// <summary>A Unix-millisecond time, or null for SQL NULL.</summary>
    public static DateTimeOffset? NullableTime(this DbDataReader r, int i)
    {
        ArgumentNullException.ThrowIfNull(r);
        return r.IsDBNull(i) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.WholeNumber(i));
    }
}
