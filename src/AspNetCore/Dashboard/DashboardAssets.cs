using System.Collections.Frozen;
using System.Security.Cryptography;

namespace OmniActors.Silo.Dashboard;

/// <summary>The dashboard's page, script and style sheet, embedded in the silo assembly (no build step, no CDN).</summary>
public sealed class DashboardAssets
{
    private const string Prefix = "dashboard/";

    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    private readonly FrozenDictionary<string, Asset> _assets;

    /// <summary>Loads every embedded asset once.</summary>
    public DashboardAssets()
    {
        var assembly = typeof(DashboardAssets).Assembly;
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var bytes = buffer.ToArray();
            var file = name[Prefix.Length..];
            var type = ContentTypes.GetValueOrDefault(Path.GetExtension(file), "application/octet-stream");
            assets[file] = new Asset(bytes, type, $"\"{Convert.ToHexStringLower(SHA256.HashData(bytes).AsSpan(0, 12))}\"");
        }
        _assets = assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>The asset of that file name, or null.</summary>
    public Asset? Find(string file) => _assets.GetValueOrDefault(file);

    /// <summary>The asset of that file name; throws when the build did not embed it.</summary>
    public Asset Get(string file) => Find(file) ?? throw new InvalidOperationException($"Dashboard asset {file} is not embedded.");

    /// <summary>One embedded file.</summary>
    public sealed record Asset(byte[] Bytes, string ContentType, string ETag);
}
