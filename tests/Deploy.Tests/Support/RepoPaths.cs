namespace OmniActors.Deploy.Tests.Support;

/// <summary>Files of the repository the tests read (found by walking up to OmniActors.sln).</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> RootPath = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "OmniActors.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("OmniActors.sln not found above " + AppContext.BaseDirectory);
    });

    public static string Root => RootPath.Value;

    public static string Deploy => Path.Combine(Root, "deploy");

    public static string InstallSchemaScript => Path.Combine(Deploy, "install-schema.sh");

    public static string SqlDir(string dialect) => Path.Combine(Deploy, "sql", dialect);

    public static string InDeploy(string relative) => Path.Combine(Deploy, relative);

    /// <summary>The scripts of a dialect as SchemaInstaller sees them: (version, file name), ordered by version.</summary>
    public static IReadOnlyList<(int Version, string Name)> SqlScripts(string dialect) =>
        Directory.GetFiles(SqlDir(dialect), "*.sql")
            .Select(Path.GetFileName)
            .Select(name => (int.Parse(name![..name!.IndexOf('_', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture), name!))
            .OrderBy(s => s.Item1)
            .ToList();
}
