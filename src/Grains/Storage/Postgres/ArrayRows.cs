using Npgsql;
using NpgsqlTypes;

namespace OmniActors.Storage.Postgres;

/// <summary>
/// Rows bound by name (the portable <c>@column</c> binders of <see cref="TaskRowMapping"/> and
/// <see cref="Lifecycle.EventLogRows"/>) gathered into one array per column, for a statement that <c>unnest</c>s them
/// back into rows. A group commit sends its rows as one statement per kind instead of one per row: PostgreSQL pays
/// the work of a statement (bind, executor start and end, a protocol message each way) once per group
/// (bench/README.md, "PostgreSQL: a group's rows in one statement").
/// </summary>
internal sealed class ArrayRows
{
    /// <summary>The PostgreSQL type of every numeric column the task path binds (deploy/sql/postgresql); any other is
    /// text, and a number bound to a column missing here fails its first write loudly (a cast), not silently.</summary>
    private static readonly Dictionary<string, NpgsqlDbType> Types = new(StringComparer.Ordinal)
    {
        ["partition"] = NpgsqlDbType.Integer, ["priority"] = NpgsqlDbType.Integer, ["attempt"] = NpgsqlDbType.Integer,
        ["requires_approval"] = NpgsqlDbType.Integer,
        ["timeout_ms"] = NpgsqlDbType.Bigint, ["result_ttl_ms"] = NpgsqlDbType.Bigint, ["created_at"] = NpgsqlDbType.Bigint,
        ["updated_at"] = NpgsqlDbType.Bigint, ["due_at"] = NpgsqlDbType.Bigint, ["started_at"] = NpgsqlDbType.Bigint,
        ["finished_at"] = NpgsqlDbType.Bigint, ["lease_expires_at"] = NpgsqlDbType.Bigint, ["result_expires_at"] = NpgsqlDbType.Bigint,
        ["version"] = NpgsqlDbType.Bigint, ["expected_version"] = NpgsqlDbType.Bigint, ["at"] = NpgsqlDbType.Bigint,
    };

    private readonly List<string> _columns = [];
    private readonly List<Column> _values = [];
    private int _rows;

    /// <summary>The columns, in the order the first row bound them.</summary>
    public IReadOnlyList<string> Columns => _columns;

    /// <summary>Rows added.</summary>
    public int Count => _rows;

    /// <summary>Adds one row: <paramref name="bind"/> passes its values by <c>@column</c> name, in the same order for every row.</summary>
    public void Add(Action<Action<string, object>> bind)
    {
        ArgumentNullException.ThrowIfNull(bind);
        var column = 0;
        bind((name, value) =>
        {
            if (_rows == 0)
            {
                var bare = name.TrimStart('@');
                _columns.Add(bare);
                _values.Add(Column.For(Types.GetValueOrDefault(bare, NpgsqlDbType.Text)));
            }
            else if (column >= _columns.Count || !name.AsSpan(1).SequenceEqual(_columns[column]))
            {
                throw new InvalidOperationException($"Row {_rows} bound {name} where the first row bound its column {column + 1} otherwise.");
            }
            _values[column].Add(value);
            column++;
        });
        if (column != _columns.Count)
        {
            throw new InvalidOperationException($"Row {_rows} bound {column} columns; the first bound {_columns.Count}.");
        }
        _rows++;
    }

    /// <summary><c>unnest($1::type[], …) WITH ORDINALITY AS {alias}(columns…, n)</c>: the rows, numbered in the order added.</summary>
    public string Unnest(string alias)
    {
        var arrays = _columns.Select((c, i) => $"${i + 1}::{SqlType(c)}[]");
        return $"unnest({string.Join(", ", arrays)}) WITH ORDINALITY AS {alias}({string.Join(", ", _columns)}, n)";
    }

    /// <summary><c>INSERT INTO {table} (columns…) SELECT columns… FROM unnest(…) ORDER BY n</c>: the rows inserted in the
    /// order added (an identity column numbers them so).</summary>
    public string Insert(string table) =>
        $"INSERT INTO {table} ({string.Join(", ", _columns)}) SELECT {string.Join(", ", _columns)} FROM {Unnest("u")} ORDER BY n";

    /// <summary>A command running <paramref name="sql"/> (which uses <see cref="Unnest"/>) with one array parameter per column.</summary>
    public NpgsqlBatchCommand Command(string sql)
    {
        var cmd = new NpgsqlBatchCommand(sql);
        foreach (var column in _values)
        {
            cmd.Parameters.Add(column.Parameter());
        }
        return cmd;
    }

    /// <summary>One column's values, kept as the array type Npgsql sends (no boxing once added).</summary>
    private abstract class Column
    {
        public static Column For(NpgsqlDbType type) => type switch
        {
            NpgsqlDbType.Integer => new Integers(),
            NpgsqlDbType.Bigint => new Bigints(),
            _ => new Texts(),
        };

        public abstract void Add(object value);

        public abstract NpgsqlParameter Parameter();

        private sealed class Texts : Column
        {
            private readonly List<string?> _items = [];
            public override void Add(object value) => _items.Add(value is DBNull ? null : (string)value);
            public override NpgsqlParameter Parameter() => new() { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, Value = _items.ToArray() };
        }

        private sealed class Integers : Column
        {
            private readonly List<int?> _items = [];
            public override void Add(object value) => _items.Add(value is DBNull ? null : (int)value);
            public override NpgsqlParameter Parameter() => new() { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer, Value = _items.ToArray() };
        }

        private sealed class Bigints : Column
        {
            private readonly List<long?> _items = [];
            public override void Add(object value) => _items.Add(value switch { DBNull => null, int small => small, _ => (long)value });
            public override NpgsqlParameter Parameter() => new() { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint, Value = _items.ToArray() };
        }
    }

    private static string SqlType(string column) => Types.GetValueOrDefault(column, NpgsqlDbType.Text) switch
    {
        NpgsqlDbType.Integer => "integer",
        NpgsqlDbType.Bigint => "bigint",
        _ => "text",
    };
}
