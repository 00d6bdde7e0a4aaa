using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using OmniActors.Webhooks;
using OmniActors.Webhooks.Providers;

namespace OmniActors.Tests.Webhooks;

/// <summary>
/// Normalizers never throw on valid JSON: every realistic fixture, with each of its members in turn replaced by a
/// value of every other JSON kind or removed, still gives at least one event.
/// </summary>
public sealed class NormalizerRobustnessTests
{
    private static readonly JsonNode?[] Replacements =
    [
        null, JsonValue.Create(0), JsonValue.Create(-1), JsonValue.Create(1e300), JsonValue.Create(1.5), JsonValue.Create("x"),
        JsonValue.Create(""), JsonValue.Create(true), new JsonArray(), new JsonObject(), new JsonArray(new JsonObject()),
    ];

    public static TheoryData<string, string> Fixtures()
    {
        var data = new TheoryData<string, string>();
        foreach (var (provider, fixtures) in new (string, Type)[]
        {
            (TelegramProvider.ProviderName, typeof(TelegramPayloads)),
            (WhatsAppCloudProvider.ProviderName, typeof(WhatsAppCloudPayloads)),
            (EvolutionProvider.ProviderName, typeof(EvolutionPayloads)),
            (DiscordProvider.ProviderName, typeof(DiscordPayloads)),
        })
        {
            foreach (var field in fixtures.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static))
            {
                if (field.FieldType == typeof(string) && field.GetValue(null) is string json && json.TrimStart().StartsWith('{'))
                {
                    data.Add(provider, field.Name);
                }
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Every_member_of_every_fixture_may_be_of_any_kind_or_absent(string providerName, string fixture)
    {
        var provider = WebhookProviders.CreateDefault().Find(providerName)!;
        var json = FixtureText(providerName, fixture);
        var paths = Paths(JsonNode.Parse(json)!, []).ToList();
        Assert.NotEmpty(paths);
        var runs = 0;

        foreach (var path in paths)
        {
            foreach (var replacement in Replacements.Append(Removed))
            {
                var mutated = JsonNode.Parse(json)!;
                Replace(mutated, path, replacement);
                var text = mutated.ToJsonString();
                var events = Normalize(provider, text, Describe(path));
                Assert.True(events.Count > 0, $"{providerName}/{fixture}: no event with {Describe(path)} = {replacement?.ToJsonString() ?? "null"}");
                runs++;
            }
        }
        Assert.Equal(paths.Count * (Replacements.Length + 1), runs);
    }

    // A marker node: replacing with it removes the member.
    private static readonly JsonNode Removed = JsonValue.Create("\u0000removed")!;

    private static IReadOnlyList<NormalizedEvent> Normalize(IWebhookProvider provider, string json, string path)
    {
        try
        {
            return provider.Events(json);
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException($"{provider.Name} threw with {path} changed: {json}", e);
        }
    }

    private static string FixtureText(string provider, string fixture)
    {
        var type = provider switch
        {
            TelegramProvider.ProviderName => typeof(TelegramPayloads),
            WhatsAppCloudProvider.ProviderName => typeof(WhatsAppCloudPayloads),
            EvolutionProvider.ProviderName => typeof(EvolutionPayloads),
            _ => typeof(DiscordPayloads),
        };
        return (string)type.GetField(fixture, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)!.GetValue(null)!;
    }

    /// <summary>Every member and array item below the root, as the steps (names and indexes) that reach it.</summary>
    private static IEnumerable<object[]> Paths(JsonNode node, object[] path)
    {
        var children = node switch
        {
            JsonObject obj => obj.Select(member => ((object)member.Key, member.Value)).ToList(),
            JsonArray array => array.Select((item, i) => ((object)i, item)).ToList(),
            _ => [],
        };
        foreach (var (step, child) in children)
        {
            object[] childPath = [.. path, step];
            yield return childPath;
            if (child is not null)
            {
                foreach (var nested in Paths(child, childPath))
                {
                    yield return nested;
                }
            }
        }
    }

    private static string Describe(object[] path) => "$" + string.Concat(path.Select(step => step is int i ? $"[{i}]" : $".{step}"));

    private static void Replace(JsonNode root, object[] path, JsonNode? replacement)
    {
        var node = root;
        foreach (var step in path[..^1])
        {
            node = step is int i ? node[i]! : node[(string)step]!;
        }
        var copy = replacement is null ? null : JsonNode.Parse(replacement.ToJsonString());
        var removed = ReferenceEquals(replacement, Removed);
        switch (path[^1])
        {
            case int index when removed:
                node.AsArray().RemoveAt(index);
                break;
            case int index:
                node[index] = copy;
                break;
            case string name when removed:
                node.AsObject().Remove(name);
                break;
            case string name:
                node[name] = copy;
                break;
        }
    }
}
