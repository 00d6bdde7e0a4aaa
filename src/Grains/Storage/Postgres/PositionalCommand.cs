using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Npgsql;

namespace OmniActors.Storage.Postgres;

/// <summary>
/// Builds batch commands with positional parameters (<c>$1</c>) from our portable SQL with named ones (<c>@id</c>).
/// Npgsql rewrites named parameters by parsing the command text on every execution (about 2 % of a busy silo's CPU in
/// bench/README.md's profile); positional text is sent as it is. The rewrite is done once per statement and parameter
/// order, and the text stays the same across executions, so auto-prepare still recognises it.
/// </summary>
internal static partial class PositionalCommand
{
    private static readonly ConcurrentDictionary<string, Rewritten> Cache = new(StringComparer.Ordinal);

    /// <summary>A command running <paramref name="sql"/> with the parameters <paramref name="bind"/> passes, in that order.</summary>
    public static NpgsqlBatchCommand Create(string sql, Action<Action<string, object>> bind)
    {
        ArgumentNullException.ThrowIfNull(sql);
        ArgumentNullException.ThrowIfNull(bind);
        var names = new List<string>(40);
        var values = new List<object>(40);
        bind((name, value) =>
        {
            names.Add(name);
            values.Add(value);
        });
        if (!Cache.TryGetValue(sql, out var rewritten) || !rewritten.Matches(names))
        {
            rewritten = Rewrite(sql, names);
            Cache[sql] = rewritten;
        }
        var cmd = new NpgsqlBatchCommand(rewritten.Text);
        for (var i = 0; i < values.Count; i++)
        {
            if (rewritten.Used[i])
            {
                cmd.Parameters.Add(new NpgsqlParameter { Value = values[i] });
            }
        }
        return cmd;
    }

    /// <summary>
    /// Numbers the bound parameters the statement uses, in the order they were bound, and leaves the others out (an
    /// unused positional parameter holding a null has no type PostgreSQL could infer). A name the statement uses but
    /// nobody bound is a bug: it throws.
    /// </summary>
    internal static Rewritten Rewrite(string sql, IReadOnlyList<string> names)
    {
        var referenced = Named().Matches(sql).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        var positions = new Dictionary<string, int>(StringComparer.Ordinal);
        var used = new bool[names.Count];
        var next = 0;
        for (var i = 0; i < names.Count; i++)
        {
            var name = names[i].TrimStart('@');
            if (positions.ContainsKey(name))
            {
                throw new ArgumentException($"Parameter {names[i]} is bound twice.", nameof(names));
            }
            if (referenced.Contains(name))
            {
                positions[name] = ++next;
                used[i] = true;
            }
            else
            {
                positions[name] = 0;
            }
        }
        var text = Named().Replace(sql, m => positions.TryGetValue(m.Groups[1].Value, out var position) && position > 0
            ? "$" + position.ToString(System.Globalization.CultureInfo.InvariantCulture)
            : throw new ArgumentException($"The statement uses @{m.Groups[1].Value}, which is not bound.", nameof(names)));
        return new Rewritten(text, [.. names], used);
    }

    [GeneratedRegex(@"@(\w+)")]
    private static partial Regex Named();

    internal sealed record Rewritten(string Text, string[] Names, bool[] Used)
    {
        /// <summary>Whether a bind passed the same names in the same order as the one this text was made for.</summary>
        public bool Matches(List<string> names) => CollectionsMarshal.AsSpan(names).SequenceEqual(Names);
    }
}
