using System.Text.Json;
using System.Text.RegularExpressions;
using OmniActors.Deploy.Tests.Support;

namespace OmniActors.Deploy.Tests;

public sealed record DockerStage(string Image, string? Name, IReadOnlyList<(string Keyword, string Arguments)> Instructions)
{
    public string Instruction(string keyword) => Assert.Single(Instructions, i => i.Keyword == keyword).Arguments;

    public IEnumerable<string> All(string keyword) => Instructions.Where(i => i.Keyword == keyword).Select(i => i.Arguments);
}

public sealed record Dockerfile(IReadOnlyList<DockerStage> Stages);

public partial class DockerfileTests
{
    /// <summary>deploy/Dockerfile as instructions per stage (continuation lines joined, comments dropped).</summary>
    public static Dockerfile Parse()
    {
        var logical = new List<string>();
        var current = "";
        foreach (var raw in File.ReadAllLines(RepoPaths.InDeploy("Dockerfile")))
        {
            var line = raw.Trim();
            if (line.StartsWith('#') || (line.Length == 0 && current.Length == 0))
            {
                continue;
            }
            if (line.EndsWith('\\'))
            {
                current += line[..^1] + " ";
                continue;
            }
            logical.Add((current + line).Trim());
            current = "";
        }
        var stages = new List<DockerStage>();
        List<(string, string)>? instructions = null;
        foreach (var line in logical.Where(l => l.Length > 0))
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            var keyword = line[..space].ToUpperInvariant();
            var arguments = line[(space + 1)..].Trim();
            if (keyword == "FROM")
            {
                var m = FromLine().Match(arguments);
                Assert.True(m.Success, $"unreadable FROM {arguments}");
                instructions = [];
                stages.Add(new DockerStage(m.Groups["image"].Value, m.Groups["name"].Success ? m.Groups["name"].Value : null, instructions));
                continue;
            }
            Assert.True(instructions is not null, $"{keyword} before the first FROM");
            instructions.Add((keyword, arguments));
        }
        return new Dockerfile(stages);
    }

    [GeneratedRegex(@"^(--\S+\s+)*(?<image>\S+)(\s+AS\s+(?<name>\S+))?$", RegexOptions.IgnoreCase)]
    private static partial Regex FromLine();

    [Fact]
    public void Builds_on_the_sdk_and_runs_on_aspnet()
    {
        var stages = Parse().Stages;
        var build = stages[0];
        Assert.Equal("mcr.microsoft.com/dotnet/sdk:10.0", build.Image);
        Assert.Equal("build", build.Name);
        var publish = Assert.Single(build.All("RUN"), r => r.Contains("dotnet publish", StringComparison.Ordinal));
        Assert.Contains("dotnet publish src/Silo -c Release", publish, StringComparison.Ordinal);
        Assert.Contains(build.All("COPY"), c => c.StartsWith("deploy/sql/", StringComparison.Ordinal));

        // The last stage is what a plain `docker build` produces: the silo.
        var runtime = stages[^1];
        Assert.Equal("mcr.microsoft.com/dotnet/aspnet:10.0", runtime.Image);
        Assert.Contains(runtime.All("COPY"), c => c.StartsWith("--from=build ", StringComparison.Ordinal));
        Assert.Contains(runtime.All("COPY"), c => c.StartsWith("deploy/sql/", StringComparison.Ordinal));
    }

    [Fact]
    public void Runtime_runs_the_silo_as_a_non_root_user_with_its_ports()
    {
        var runtime = Parse().Stages[^1];
        Assert.Equal(["dotnet", "OmniActors.Silo.dll"], JsonSerializer.Deserialize<string[]>(runtime.Instruction("ENTRYPOINT"))!);
        var user = runtime.All("USER").Last();
        Assert.DoesNotContain(user, new[] { "root", "0", "0:0" });
        Assert.Equal(["8080", "11111", "30000"], runtime.Instruction("EXPOSE").Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("ASPNETCORE_URLS=http://+:8080", runtime.Instruction("ENV"), StringComparison.Ordinal);
    }

    [Fact]
    public void Has_no_healthcheck()
    {
        Assert.All(Parse().Stages, s => Assert.Empty(s.All("HEALTHCHECK")));
    }

    [Fact]
    public void Schema_stage_runs_install_schema_with_psql_as_non_root()
    {
        var schema = Assert.Single(Parse().Stages, s => s.Name == "schema");
        Assert.Contains(schema.All("RUN"), r => r.Contains("postgresql-client", StringComparison.Ordinal));
        var entrypoint = JsonSerializer.Deserialize<string[]>(schema.Instruction("ENTRYPOINT"))!;
        Assert.Equal("bash", entrypoint[0]);
        Assert.EndsWith("/install-schema.sh", entrypoint[1], StringComparison.Ordinal);
        Assert.Contains(schema.All("COPY"), c => c.Contains("deploy/install-schema.sh " + entrypoint[1], StringComparison.Ordinal));
        Assert.Contains(schema.All("COPY"), c => c.StartsWith("deploy/sql/", StringComparison.Ordinal));
        Assert.DoesNotContain(schema.All("USER").LastOrDefault() ?? "root", new[] { "root", "0" });
    }

    [Fact]
    public void Every_copied_path_exists_and_is_not_ignored()
    {
        var ignore = DockerIgnore.Load(RepoPaths.InDeploy("Dockerfile.dockerignore"));
        foreach (var copy in Parse().Stages.SelectMany(s => s.All("COPY")))
        {
            var parts = copy.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Any(p => p.StartsWith("--from=", StringComparison.Ordinal)))
            {
                continue;
            }
            var sources = parts.Where(p => !p.StartsWith("--", StringComparison.Ordinal)).SkipLast(1);
            foreach (var source in sources)
            {
                var path = Path.Combine(RepoPaths.Root, source.TrimEnd('/'));
                Assert.True(File.Exists(path) || Directory.Exists(path), $"COPY source {source} is missing");
                Assert.False(ignore.Excludes(source.TrimEnd('/')), $"COPY source {source} is excluded by Dockerfile.dockerignore");
            }
        }
        // What the build itself reads.
        Assert.False(ignore.Excludes("src/Silo/Program.cs"));
        Assert.False(ignore.Excludes("deploy/sql/postgresql/0002_tasks.sql"));
        Assert.True(ignore.Excludes("src/Silo/bin/Debug/net10.0/OmniActors.Silo.dll"));
        Assert.True(ignore.Excludes("src/Grains/obj/project.assets.json"));
        Assert.True(ignore.Excludes(".git/HEAD"));
    }
}

/// <summary>The subset of .dockerignore matching the file uses: '*', '**', trailing '/', '!' exceptions.</summary>
public sealed class DockerIgnore(IReadOnlyList<(Regex Pattern, bool Exception)> rules)
{
    public static DockerIgnore Load(string path) => new(File.ReadAllLines(path)
        .Select(l => l.Trim())
        .Where(l => l.Length > 0 && !l.StartsWith('#'))
        .Select(l =>
        {
            var exception = l.StartsWith('!');
            var pattern = l.TrimStart('!').Trim('/');
            var regex = "^" + Regex.Escape(pattern).Replace(@"\*\*/", "(.*/)?", StringComparison.Ordinal)
                .Replace(@"\*\*", ".*", StringComparison.Ordinal).Replace(@"\*", "[^/]*", StringComparison.Ordinal)
                .Replace(@"\?", "[^/]", StringComparison.Ordinal) + "(/.*)?$";
            return (new Regex(regex), exception);
        })
        .ToList());

    public bool Excludes(string relativePath)
    {
        var excluded = false;
        foreach (var (pattern, exception) in rules)
        {
            if (pattern.IsMatch(relativePath))
            {
                excluded = !exception;
            }
        }
        return excluded;
    }
}
