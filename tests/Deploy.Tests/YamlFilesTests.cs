using OmniActors.Deploy.Tests.Support;

namespace OmniActors.Deploy.Tests;

public class YamlFilesTests
{
    public static TheoryData<string> YamlFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in YamlPaths())
        {
            data.Add(file);
        }
        return data;
    }

    private static IEnumerable<string> YamlPaths() =>
        Directory.EnumerateFiles(RepoPaths.Deploy, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".yml", StringComparison.Ordinal) || f.EndsWith(".yaml", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(file => Path.GetRelativePath(RepoPaths.Deploy, file));

    [Fact]
    public void The_deployment_files_are_there()
    {
        var files = YamlPaths().ToList();
        Assert.Contains("docker-compose.yml", files);
        Assert.Contains(files, f => f.StartsWith("k8s", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(YamlFiles))]
    public void Every_yaml_file_parses(string relativePath)
    {
        var documents = Yaml.LoadDocuments(RepoPaths.InDeploy(relativePath));
        Assert.NotEmpty(documents);
    }
}
