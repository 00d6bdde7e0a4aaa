using System.Text;
using System.Text.Json;

namespace OmniActors.Bench;

/// <summary>One measured figure of one run.</summary>
/// <param name="Bench">What was measured, e.g. <c>throughput</c> or <c>latency@200/s</c>.</param>
/// <param name="Metric">Which figure of it, e.g. <c>processed_rate</c> or <c>enqueue_to_start_p99</c>.</param>
/// <param name="N">Tasks the figure covers.</param>
/// <param name="Concurrency">Enqueue calls in flight: batch calls, concurrent callers, or 1 for a paced stream.</param>
/// <param name="Extra">Further fields printed as they are (e.g. the paced rate).</param>
internal sealed record Figure(string Bench, string Metric, double Value, string Unit, long N, int Concurrency, IReadOnlyDictionary<string, object>? Extra = null);

/// <summary>Gathers the runs of each figure and prints one line per figure: the median as <c>value</c>, the runs' min and
/// max as <c>spread</c>, and every run's value.</summary>
internal sealed class FigureBook
{
    private readonly List<(string Key, Figure First, List<double> Values)> figures = [];

    public void Add(Figure figure)
    {
        var key = figure.Bench + "\n" + figure.Metric;
        var entry = figures.FirstOrDefault(f => f.Key == key);
        if (entry.Key is null)
        {
            figures.Add((key, figure, [figure.Value]));
        }
        else
        {
            entry.Values.Add(figure.Value);
        }
    }

    public IEnumerable<string> Lines(string storage, int queueConcurrency)
    {
        foreach (var (_, first, values) in figures)
        {
            yield return Line(storage, first, values, queueConcurrency);
        }
    }

    private static string Line(string storage, Figure figure, List<double> values, int queueConcurrency)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("bench", figure.Bench);
            json.WriteString("storage", storage);
            json.WriteString("metric", figure.Metric);
            json.WriteNumber("value", Round(Stats.Median(values)));
            json.WriteString("unit", figure.Unit);
            json.WriteNumber("n", figure.N);
            json.WriteNumber("concurrency", figure.Concurrency);
            if (figure.Extra?.ContainsKey("queue_concurrency") != true)
            {
                json.WriteNumber("queue_concurrency", queueConcurrency);
            }
            foreach (var (name, value) in figure.Extra ?? new Dictionary<string, object>())
            {
                json.WritePropertyName(name);
                JsonSerializer.Serialize(json, value);
            }
            json.WriteNumber("runs", values.Count);
            json.WriteStartArray("spread");
            json.WriteNumberValue(Round(values.Min()));
            json.WriteNumberValue(Round(values.Max()));
            json.WriteEndArray();
            json.WriteStartArray("values");
            foreach (var v in values)
            {
                json.WriteNumberValue(Round(v));
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static double Round(double value) => Math.Round(value, Math.Abs(value) < 10 ? 3 : 1);
}

/// <summary>Order statistics.</summary>
internal static class Stats
{
    /// <summary>Nearest-rank percentile (q in 0..1) of an ascending list.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double q) =>
        sorted.Count == 0 ? double.NaN : sorted[(int)Math.Clamp(Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)];

    public static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToList();
        var mid = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>p50, p95, p99 and max as figures named <paramref name="prefix"/>_p50 and so on.</summary>
    public static IEnumerable<Figure> Percentiles(string bench, string prefix, List<double> samples, string unit, long n, int concurrency,
        IReadOnlyDictionary<string, object>? extra = null)
    {
        samples.Sort();
        foreach (var (name, q) in new[] { ("p50", 0.50), ("p95", 0.95), ("p99", 0.99), ("max", 1.0) })
        {
            yield return new Figure(bench, $"{prefix}_{name}", Percentile(samples, q), unit, n, concurrency, extra);
        }
    }
}
