using OmniActors.Domain;
using OmniActors.Errors;

namespace OmniActors.Silo.Api;

/// <summary>
/// Checks every path value of a route before its handler runs, so no handler looks a grain or row up by a value no
/// stored thing can have: a name (<c>{name}</c>, <c>{provider}</c>, <c>{instance}</c>, <c>{action}</c>) follows
/// <see cref="Names"/>; any other id is 1 to <see cref="MaxIdLength"/> characters, not blank, with no control
/// characters. An encoded slash (<c>%2F</c>, which the server leaves encoded) is decoded first, so handlers and
/// their error messages see the id the client meant.
/// </summary>
internal static class PathValues
{
    /// <summary>Longest path id accepted (task ids are 33 characters, route ids at most 128).</summary>
    public const int MaxIdLength = 256;

    private static readonly HashSet<string> NameParameters = new(["name", "provider", "instance", "action"], StringComparer.OrdinalIgnoreCase);

    /// <summary>Adds the check to every endpoint of <paramref name="group"/>.</summary>
    public static TBuilder CheckPathValues<TBuilder>(this TBuilder group) where TBuilder : IEndpointConventionBuilder =>
        group.AddEndpointFilterFactory((factory, next) =>
        {
            var parameters = factory.MethodInfo.GetParameters();
            var strings = Enumerable.Range(0, parameters.Length)
                .Where(i => parameters[i].ParameterType == typeof(string) && parameters[i].Name is not null)
                .Select(i => (Index: i, Name: parameters[i].Name!))
                .ToArray();
            if (strings.Length == 0)
            {
                return next;
            }
            return context =>
            {
                var route = context.HttpContext.Request.RouteValues;
                foreach (var (index, name) in strings)
                {
                    if (route.ContainsKey(name) && context.Arguments[index] is string value)
                    {
                        context.Arguments[index] = Check(name, value);
                    }
                }
                return next(context);
            };
        });

    /// <summary>The decoded value of path parameter <paramref name="parameter"/>, or a 400 problem.</summary>
    public static string Check(string parameter, string value)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        ArgumentNullException.ThrowIfNull(value);
        var decoded = value.Contains('%', StringComparison.Ordinal)
            ? value.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase)
            : value;
        if (NameParameters.Contains(parameter))
        {
            Names.Check(parameter, decoded);
            return decoded;
        }
        if (string.IsNullOrWhiteSpace(decoded))
        {
            throw new TaskValidationException(HttpCodes.InvalidPathValue, $"The {{{parameter}}} in the path is blank.");
        }
        if (decoded.Length > MaxIdLength)
        {
            throw new TaskValidationException(HttpCodes.InvalidPathValue, $"The {{{parameter}}} in the path is {decoded.Length} characters; at most {MaxIdLength} are accepted.");
        }
        if (decoded.Any(char.IsControl))
        {
            throw new TaskValidationException(HttpCodes.InvalidPathValue, $"The {{{parameter}}} in the path holds a control character.");
        }
        return decoded;
    }
}

/// <summary>
/// The one syntax of names (queues, actions, schedules, webhook providers and instances), wherever a route takes one,
/// in its path or its body: 1 to <see cref="TaskLimits.MaxNameLength"/> ASCII letters, digits, '.', '_', '-' or ':',
/// starting with a letter or digit. A name that breaks it could never be used, so it is refused where it enters.
/// </summary>
internal static class Names
{
    /// <summary>The syntax, as error messages state it.</summary>
    public static readonly string Syntax =
        $"1 to {TaskLimits.MaxNameLength} characters of ASCII letters, digits, '.', '_', '-' or ':', starting with a letter or digit";

    /// <summary>Returns <paramref name="value"/> when it is a valid name, else throws a 400 problem naming <paramref name="field"/>.</summary>
    public static string Check(string field, string value) =>
        TaskSpecValidator.IsValidName(value)
            ? value
            : throw new TaskValidationException(ErrorCodes.Validation, $"\"{field}\" '{Shorten(value)}' is not a valid name: {Syntax}.");

    /// <summary>As <see cref="Check"/> for an optional name; null and blank stay null.</summary>
    public static string? CheckOptional(string field, string? value) => string.IsNullOrWhiteSpace(value) ? null : Check(field, value);

    /// <summary>A value cut for an error message.</summary>
    public static string Shorten(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var printable = new string(value.Take(60).Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return value.Length > 60 ? printable + "…" : printable;
    }
}

/// <summary>Length checks of stored strings at the HTTP edge (the limits are <see cref="TextLimits"/>).</summary>
internal static class Text
{
    /// <summary><paramref name="value"/> when it is at most <paramref name="max"/> characters (or null), else a 400 problem naming <paramref name="field"/>.</summary>
    public static string? AtMost(string field, string? value, int max) =>
        value is { Length: var length } && length > max
            ? throw new TaskValidationException(ErrorCodes.Validation, $"\"{field}\" is {length} characters; at most {max} are accepted.")
            : value;

    /// <summary>A required value of 1 to <paramref name="max"/> characters.</summary>
    public static string Required(string field, string? value, int max) =>
        AtMost(field, EventApiJson.Required(value, field), max)!;
}
