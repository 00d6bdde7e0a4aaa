using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace OmniActors.Deploy.Tests.Support;

/// <summary>YAML read as compose and kubectl read it: untyped maps, lists and string scalars, merge keys resolved.</summary>
public static class Yaml
{
    private static readonly IDeserializer Deserializer = new DeserializerBuilder().Build();

    /// <summary>Every document of a file.</summary>
    public static IReadOnlyList<Dictionary<object, object>> LoadDocuments(string path)
    {
        using var reader = new StreamReader(path);
        var parser = new MergingParser(new Parser(reader));
        parser.Consume<StreamStart>();
        var documents = new List<Dictionary<object, object>>();
        while (parser.Accept<DocumentStart>(out _))
        {
            var document = Deserializer.Deserialize<object?>(parser);
            if (document is not null)
            {
                documents.Add(Assert.IsType<Dictionary<object, object>>(document));
            }
        }
        return documents;
    }

    public static Dictionary<object, object> Load(string path) => Assert.Single(LoadDocuments(path));

    public static Dictionary<object, object> Map(this Dictionary<object, object> map, string key) =>
        Assert.IsType<Dictionary<object, object>>(map.Value(key), exactMatch: true);

    public static List<object> List(this Dictionary<object, object> map, string key) =>
        Assert.IsType<List<object>>(map.Value(key), exactMatch: true);

    public static string Text(this Dictionary<object, object> map, string key) =>
        Assert.IsType<string>(map.Value(key), exactMatch: true);

    public static object Value(this Dictionary<object, object> map, string key)
    {
        Assert.True(map.TryGetValue(key, out var value), $"missing key '{key}' (keys: {string.Join(", ", map.Keys)})");
        return value!;
    }

    public static string? OptionalText(this Dictionary<object, object> map, string key) =>
        map.TryGetValue(key, out var value) ? value as string : null;

    public static IEnumerable<Dictionary<object, object>> Maps(this List<object> list) =>
        list.Select(item => Assert.IsType<Dictionary<object, object>>(item, exactMatch: true));
}
