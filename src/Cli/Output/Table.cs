namespace OmniActors.Cli.Output;

/// <summary>A plain text table: left-aligned columns two spaces apart, long cells cut with an ellipsis.</summary>
internal sealed class Table(params string[] headers)
{
    private const int MaxCell = 60;
    private readonly List<string[]> _rows = [];

    public int Count => _rows.Count;

    public Table Add(params string[] cells)
    {
        if (cells.Length != headers.Length)
        {
            throw new ArgumentException($"A row has {cells.Length} cells for {headers.Length} columns.", nameof(cells));
        }
        _rows.Add(cells.Select(Cut).ToArray());
        return this;
    }

    public void Write(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var widths = headers.Select((h, i) => Math.Max(h.Length, _rows.Count == 0 ? 0 : _rows.Max(r => r[i].Length))).ToArray();
        WriteRow(writer, headers, widths);
        foreach (var row in _rows)
        {
            WriteRow(writer, row, widths);
        }
    }

    /// <summary>Key/value lines for one record.</summary>
    public static void WritePairs(TextWriter writer, IEnumerable<(string Key, string Value)> pairs)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var list = pairs.Where(p => p.Value.Length > 0).ToList();
        var width = list.Count == 0 ? 0 : list.Max(p => p.Key.Length);
        foreach (var (key, value) in list)
        {
            writer.WriteLine($"{(key + ":").PadRight(width + 1)} {value}");
        }
    }

    private static void WriteRow(TextWriter writer, string[] cells, int[] widths)
    {
        var line = string.Join("  ", cells.Select((c, i) => i == cells.Length - 1 ? c : c.PadRight(widths[i])));
        writer.WriteLine(line.TrimEnd());
    }

    private static string Cut(string cell)
    {
        cell = cell.ReplaceLineEndings(" ");
        return cell.Length <= MaxCell ? cell : cell[..(MaxCell - 1)] + "…";
    }
}
