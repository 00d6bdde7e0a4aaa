using System.Collections;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace OmniActors.Silo.Api;

/// <summary>
/// Says what is wrong with a JSON body in the API's words: the field as the client spelled it and what it must be
/// (<c>"priority" must be a whole number</c>), or where the JSON stops being JSON. Never the .NET parameter or type name.
/// </summary>
internal static class JsonBodyErrors
{
    /// <summary>The detail of a problem for <paramref name="exception"/>, raised reading a body bound to <paramref name="bodyType"/>.</summary>
    public static string Describe(JsonException exception, Type? bodyType)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var path = exception.Path is { Length: > 1 } p && p.StartsWith('$') ? p.TrimStart('$').TrimStart('.') : null;
        var syntax = exception.InnerException is not null && exception.InnerException.GetType().Name == "JsonReaderException";
        if (syntax || bodyType is null && path is null)
        {
            var where = exception.LineNumber is { } line && exception.BytePositionInLine is { } column
                ? $" (line {line + 1}, byte {column + 1})"
                : "";
            return $"The body is not valid JSON{where}.";
        }
        var target = bodyType is null ? null : TypeAt(bodyType, path);
        if (path is null)
        {
            return $"The body must be {(target is null ? "a JSON object" : Expected(target))}.";
        }
        return target is null
            ? $"\"{path}\" has the wrong type."
            : $"\"{path}\" must be {Expected(target)}.";
    }

    /// <summary>What a value of <paramref name="type"/> looks like in JSON.</summary>
    public static string Expected(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type.IsEnum)
        {
            return "one of: " + string.Join(", ", Enum.GetNames(type).Select(JsonNamingPolicy.SnakeCaseLower.ConvertName));
        }
        return Type.GetTypeCode(type) switch
        {
            TypeCode.Int16 or TypeCode.Int32 or TypeCode.Int64 or TypeCode.UInt16 or TypeCode.UInt32 or TypeCode.UInt64 or TypeCode.Byte => "a whole number",
            TypeCode.Double or TypeCode.Single or TypeCode.Decimal => "a number",
            TypeCode.Boolean => "true or false",
            TypeCode.String => "a string",
            TypeCode.DateTime => "a date and time (ISO 8601, e.g. 2030-01-31T09:00:00Z)",
            _ when type == typeof(DateTimeOffset) => "a date and time (ISO 8601, e.g. 2030-01-31T09:00:00Z)",
            _ when type == typeof(JsonElement) => "a JSON value",
            _ when type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(type) => "an array",
            _ => "an object",
        };
    }

    /// <summary>What a query or route value of the C# type named <paramref name="typeName"/> (as the binder prints it) must be.</summary>
    public static string Expected(string typeName)
    {
        ArgumentNullException.ThrowIfNull(typeName);
        var plain = typeName.Replace("System.", "", StringComparison.Ordinal).Replace("Nullable<", "", StringComparison.Ordinal).TrimEnd('?', '>');
        return plain switch
        {
            "int" or "long" or "short" or "Int32" or "Int64" or "Int16" => "a whole number",
            "double" or "float" or "decimal" or "Double" or "Single" or "Decimal" => "a number",
            "bool" or "Boolean" => "true or false",
            "DateTimeOffset" or "DateTime" => "a date and time (ISO 8601, e.g. 2030-01-31T09:00:00Z)",
            _ => "a valid value",
        };
    }

    /// <summary>The type of the value at <paramref name="path"/> (<c>retry.maxAttempts</c>, <c>tasks[0].priority</c>) under <paramref name="root"/>.</summary>
    private static Type? TypeAt(Type root, string? path)
    {
        var type = root;
        if (path is null)
        {
            return type;
        }
        foreach (var segment in Segments(path))
        {
            type = Nullable.GetUnderlyingType(type) ?? type;
            if (segment is null)
            {
                type = ElementType(type);
            }
            else
            {
                type = Property(type, segment)?.PropertyType;
            }
            if (type is null)
            {
                return null;
            }
        }
        return type;
    }

    /// <summary>The path's steps: a property name, or null for an array index.</summary>
    private static IEnumerable<string?> Segments(string path)
    {
        var i = 0;
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                i++;
            }
            else if (path[i] == '[' && i + 1 < path.Length && path[i + 1] == '\'')
            {
                var end = path.IndexOf("']", i + 2, StringComparison.Ordinal);
                if (end < 0)
                {
                    yield break;
                }
                yield return path[(i + 2)..end];
                i = end + 2;
            }
            else if (path[i] == '[')
            {
                var end = path.IndexOf(']', i);
                if (end < 0)
                {
                    yield break;
                }
                yield return null;
                i = end + 1;
            }
            else
            {
                var end = path.IndexOfAny(['.', '['], i);
                end = end < 0 ? path.Length : end;
                yield return path[i..end];
                i = end;
            }
        }
    }

    private static Type? ElementType(Type type) =>
        type.IsArray ? type.GetElementType()
        : type.GetInterfaces().Append(type).FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))?.GetGenericArguments()[0];

    /// <summary>The property a JSON name binds to: its own name in any case, camelCase or snake_case, or its JsonPropertyName.</summary>
    private static PropertyInfo? Property(Type type, string name)
    {
        var plain = name.Replace("_", "", StringComparison.Ordinal);
        return type.GetProperties(BindingFlags.Public | BindingFlags.Instance).FirstOrDefault(p =>
            string.Equals(p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name, name, StringComparison.Ordinal)
            || string.Equals(p.Name, plain, StringComparison.OrdinalIgnoreCase));
    }
}
