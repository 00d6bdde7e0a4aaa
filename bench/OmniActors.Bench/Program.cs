using System.Globalization;
using OmniActors.Bench;

// Measures OmniActors against real silo processes (see bench/README.md for the method). Prints one JSON line per
// figure (the median of --runs runs, with their spread) and appends it to the results file.
var repoRoot = AppContext.BaseDirectory;
while (!File.Exists(Path.Combine(repoRoot, "OmniActors.sln")))
{
    repoRoot = Path.GetDirectoryName(repoRoot.TrimEnd('/')) ?? throw new InvalidOperationException("Run the bench from inside the repository.");
}
BenchOptions options;
try
{
    options = BenchOptions.Parse(args, repoRoot);
}
catch (Exception ex) when (ex is ArgumentException or FormatException or OverflowException)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}
Directory.CreateDirectory(Path.GetDirectoryName(options.OutFile)!);
Directory.CreateDirectory(options.WorkDir);
var stamp = DateTime.UtcNow.ToString("HHmmss", CultureInfo.InvariantCulture);
void Progress(string message) => Console.Error.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {message}");
var failures = 0;
async Task PrintAsync(FigureBook book, string storage)
{
    foreach (var line in book.Lines(storage, options.QueueConcurrency))
    {
        Console.WriteLine(line);
        await File.AppendAllTextAsync(options.OutFile, line + "\n");
    }
}
// The scaleout bench starts its own clusters (PostgreSQL, 1, 2 and 4 silos): it runs once, whatever --storage says.
var perStorage = options.Benches.Where(b => b != "scaleout").ToList();
foreach (var storage in perStorage.Count > 0 ? options.Storages : [])
{
    foreach (var bench in perStorage)
    {
        var book = new FigureBook();
        for (var run = 1; run <= options.Runs; run++)
        {
            Progress($"{storage} {bench} run {run}/{options.Runs}");
            try
            {
                await using var cluster = await BenchCluster.StartAsync(options, storage, $"{stamp}-{storage}-{bench}-{run}");
                foreach (var figure in await Benches.RunAsync(bench, cluster, options, storage, Progress))
                {
                    book.Add(figure);
                    Progress($"  {figure.Bench} {figure.Metric} = {figure.Value:0.###} {figure.Unit}");
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                failures++;
                Progress($"{storage} {bench} run {run} failed: {ex}");
            }
        }
        await PrintAsync(book, storage);
    }
}
if (options.Benches.Contains("scaleout"))
{
    var (book, failed) = await ScaleOutBench.RunAsync(options, stamp, Progress);
    failures += failed;
    await PrintAsync(book, "pg");
}
Progress($"written: {options.OutFile}{(failures > 0 ? $" ({failures} runs failed)" : "")}");
return failures > 0 ? 1 : 0;
