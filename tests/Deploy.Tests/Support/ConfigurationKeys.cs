using System.Collections;
using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using OmniActors.Silo.Hosting;
using OmniActors.Storage;

namespace OmniActors.Deploy.Tests.Support;

/// <summary>
/// The configuration keys the silo binds, derived from its *Options classes (every type with a
/// <c>const string Section = "OmniActors:…"</c>), checked the way the configuration binder reads an environment
/// variable: <c>OmniActors__Section__Property[__index-or-key…]</c>, names case-insensitive, values converted with
/// the property type's TypeConverter.
/// </summary>
public static partial class ConfigurationKeys
{
    /// <summary>ASP.NET Core host settings the deployment files may set.</summary>
    private static readonly Dictionary<string, Type> AspNetCoreSettings = new(StringComparer.OrdinalIgnoreCase)
    {
        ["ASPNETCORE_URLS"] = typeof(string),
        ["ASPNETCORE_HTTP_PORTS"] = typeof(string),
        ["ASPNETCORE_ENVIRONMENT"] = typeof(string),
        // HostOptions.ShutdownTimeout, read from the "shutdownTimeoutSeconds" key.
        ["ASPNETCORE_SHUTDOWNTIMEOUTSECONDS"] = typeof(int),
    };

    public static IReadOnlyDictionary<string, Type> Sections { get; } = DiscoverSections();

    private static Dictionary<string, Type> DiscoverSections()
    {
        var sections = new Dictionary<string, Type>(StringComparer.OrdinalIgnoreCase);
        foreach (var assembly in new[] { typeof(StorageOptions).Assembly, typeof(OmniClusterOptions).Assembly })
        {
            foreach (var type in assembly.GetTypes())
            {
                if (type.GetField("Section", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true } field
                    && field.GetRawConstantValue() is string section
                    && section.StartsWith("OmniActors:", StringComparison.Ordinal))
                {
                    sections.Add(section, type);
                }
            }
        }
        return sections;
    }

    /// <summary>Null when <paramref name="name"/>=<paramref name="value"/> is a setting the silo reads; else why not.</summary>
    public static string? Problem(string name, string? value)
    {
        if (name.StartsWith("ASPNETCORE_", StringComparison.Ordinal))
        {
            return AspNetCoreSettings.TryGetValue(name, out var type)
                ? ConversionProblem(name, type, value)
                : $"{name}: not an ASP.NET Core setting these files are expected to use ({string.Join(", ", AspNetCoreSettings.Keys)})";
        }
        if (!name.StartsWith("OmniActors__", StringComparison.Ordinal))
        {
            return $"{name}: neither OmniActors__… nor ASPNETCORE_…";
        }
        var segments = name.Split("__");
        if (segments.Length < 3 || !Sections.TryGetValue(segments[0] + ":" + segments[1], out var sectionType))
        {
            return $"{name}: no options class binds section {string.Join(':', segments.Take(2))} (known: {string.Join(", ", Sections.Keys)})";
        }
        return Walk(name, sectionType, segments.AsSpan(2), value);
    }

    private static string? Walk(string name, Type type, ReadOnlySpan<string> segments, string? value)
    {
        while (true)
        {
            type = Nullable.GetUnderlyingType(type) ?? type;
            if (segments.IsEmpty)
            {
                return ConversionProblem(name, type, value);
            }
            var segment = segments[0];
            segments = segments[1..];
            if (type.IsArray || (type.IsGenericType && typeof(IList).IsAssignableFrom(type)))
            {
                if (!int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                {
                    return $"{name}: '{segment}' must be an array index";
                }
                type = type.IsArray ? type.GetElementType()! : type.GetGenericArguments()[0];
                continue;
            }
            if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>))
            {
                type = type.GetGenericArguments()[1];
                continue;
            }
            if (IsScalar(type))
            {
                return $"{name}: {type.Name} has no member '{segment}'";
            }
            var property = type.GetProperty(segment, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property is null || (property.SetMethod is not { IsPublic: true } && IsScalar(property.PropertyType)))
            {
                return $"{name}: {type.Name} has no settable property '{segment}'";
            }
            type = property.PropertyType;
        }
    }

    private static bool IsScalar(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal)
            || type == typeof(TimeSpan) || type == typeof(DateTimeOffset) || type == typeof(DateTime) || type == typeof(Uri);
    }

    private static string? ConversionProblem(string name, Type type, string? value)
    {
        if (!IsScalar(type))
        {
            return $"{name}: binds a whole {type.Name}, not one value";
        }
        if (value is null)
        {
            return null; // set from a Secret, the downward API, …: only the name is checked.
        }
        value = ComposeDefault().Replace(value, m => m.Groups["default"].Value);
        try
        {
            TypeDescriptor.GetConverter(Nullable.GetUnderlyingType(type) ?? type).ConvertFromInvariantString(value);
            return null;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or NotSupportedException or OverflowException
            || e.InnerException is FormatException or OverflowException)
        {
            return $"{name}: '{value}' is not a {type.Name}";
        }
    }

    /// <summary>Compose interpolation <c>${VAR:-default}</c>, read as its default.</summary>
    [GeneratedRegex(@"\$\{[A-Za-z_][A-Za-z0-9_]*(:?-(?<default>[^}]*))?\}")]
    private static partial Regex ComposeDefault();
}
