using System.Net;
using System.Net.Http.Json;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OmniActors.Tests.Support;

namespace OmniActors.Tests.Http.Edge;

/// <summary>
/// Every route the OpenAPI document lists gets the same bad inputs: malformed and wrong-typed JSON, empty and non-JSON
/// bodies, a 10 MiB body, blank, overlong and odd path values, NaN, negative and unparsable query values. Each answer
/// is a 4xx RFC 9457 problem with a <c>code</c> (a 2xx only where the route ignores that input), never a 5xx; the
/// silo stays ready, logs no error, and what was stored before is intact. A new route is covered by being mapped.
/// </summary>
[Collection(EdgeSiloCollection.Name)]
public sealed class RouteWideBadInputTests(EdgeSilo silo, Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    /// <summary>Stands for a path value when another input is under test: a valid name and id that nothing has.</summary>
    private const string Probe = "edge-probe";

    private readonly HttpClient _client = silo.CreateApiClient();

    public void Dispose() => _client.Dispose();

    [Fact]
    public async Task Every_route_answers_every_bad_input_with_a_coded_4xx_problem_and_the_silo_keeps_its_data()
    {
        var before = await SeedAsync();
        var errorsBefore = silo.Errors.Lines.Count;
        var routes = await RoutesAsync();
        Assert.True(routes.Count >= 40, $"The OpenAPI document lists only {routes.Count} routes.");

        var failures = new List<string>();
        var sent = 0;
        foreach (var route in routes)
        {
            foreach (var input in InputsFor(route))
            {
                sent++;
                if (await SendAsync(route, input) is { } failure)
                {
                    failures.Add($"{route.Method} {route.Template} [{input.Name}]: {failure}");
                }
            }
        }

        output.WriteLine($"{routes.Count} routes, {sent} bad requests ({(double)sent / routes.Count:0.#} a route on average).");
        Assert.True(failures.Count == 0, $"{failures.Count} of {sent} bad requests were mishandled:\n" + string.Join("\n", failures.Take(80)));
        using (var ready = await _client.GetAsync("/health/ready"))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }
        Assert.Equal(before, await SnapshotAsync());
        var errors = silo.Errors.Lines.Skip(errorsBefore).ToList();
        Assert.True(errors.Count == 0, "Errors were logged:\n" + string.Join("\n", errors.Take(10).Select(e => $"{e.Category}: {e.Message} {e.Exception}")));
    }

    /// <summary>One route of the document.</summary>
    private sealed record Route(string Method, string Template, IReadOnlyList<string> PathParameters, IReadOnlyList<string> QueryParameters,
        JsonNode? BodySchema, bool TakesBody);

    /// <summary>One bad request: the path values, query, body and headers to send, and whether the route must refuse it.</summary>
    private sealed record Input(string Name, IReadOnlyDictionary<string, string> Path, string? Query, HttpContent? Body, bool MustRefuse,
        IReadOnlyDictionary<string, string>? Headers = null);

    private static IEnumerable<Input> InputsFor(Route route)
    {
        var probePath = route.PathParameters.ToDictionary(p => p, _ => Probe);
        // Bodies: sent to every route; a route that takes a body must refuse each of them.
        var bodies = new List<(string Name, Func<HttpContent> Content, bool Refused)>
        {
            ("malformed JSON", () => Json("""{"action":"noop","queue":"""), true),
            ("not JSON at all", () => Json("definitely not json"), true),
            ("JSON array", () => Json("[1,2,3]"), true),
            ("JSON null", () => Json("null"), true),
            ("JSON string", () => Json("\"text\""), true),
            ("deep nesting", () => Json(new string('[', 5000) + new string(']', 5000)), true),
            ("invalid UTF-8", () => new ByteArrayContent([.. "{\"action\":\""u8.ToArray(), 0xFF, 0xFE, .. "\"}"u8.ToArray()]) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } }, true),
            ("empty JSON body", () => Json(""), true),
            ("empty body, no type", () => new ByteArrayContent([]), true),
            ("text/plain", () => new StringContent("""{"action":"noop"}""", Encoding.UTF8, "text/plain"), true),
            ("form", () => new FormUrlEncodedContent([new("action", "noop"), new("queue", "default")]), true),
            ("XML", () => new StringContent("<task><action>noop</action></task>", Encoding.UTF8, "application/xml"), true),
            ("10 MiB JSON", () => Json("{\"payload\":\"" + new string('x', 10 * 1024 * 1024) + "\"}"), true),
        };
        if (WrongTypes(route.BodySchema) is { } wrong)
        {
            bodies.Add(("wrong types", () => Json(wrong), true));
        }
        // A GET ignores its body (the event stream would never read one), so bodies go to the routes that may take one.
        if (route.Method != "GET")
        {
            foreach (var (name, content, refused) in bodies)
            {
                yield return new Input(name, probePath, null, content(), refused && route.TakesBody);
            }
        }

        // Path values: each parameter in turn; every one of them must be refused (a 404 for a well-formed unknown id).
        // Not "%00" nor a request line over 8 KiB: Kestrel refuses those itself, before any app code, with a bare 400 or 414.
        string[] paths =
        [
            "%20", "%20%09%20", "%09", new string('a', 1000), new string('a', 6000), "a%0Ab", "%7F", "a%2Fb", "%C3%A9t%C3%A9",
            "%E2%80%8B", "%27%3B%20DROP%20TABLE%20x%3B--", "%3Cscript%3E", "%25", "a%3Fb%23c", "%F0%9F%92%A9", "-leading-dash",
        ];
        foreach (var parameter in route.PathParameters)
        {
            foreach (var value in paths)
            {
                var path = new Dictionary<string, string>(probePath) { [parameter] = value };
                yield return new Input($"{{{parameter}}}={(value.Length > 20 ? $"{value.Length} chars" : value)}", path, null, Json("{}"), true);
            }
            // Dot segments are resolved away by the client or server (RFC 3986), so the request may reach another route.
            foreach (var dots in new[] { "%2E", "%2E%2E" })
            {
                yield return new Input($"{{{parameter}}}={dots}", new Dictionary<string, string>(probePath) { [parameter] = dots }, null, null, false);
            }
        }

        // Query values: every parameter at once; a value the route cannot use must be a coded 400, others may pass.
        string[] queries = ["NaN", "-1", "-99999999999999999999", "1e309", "Infinity", "", "%00", "not-a-value", new string('q', 600), "%20", "%FF"];
        if (route.QueryParameters.Count > 0)
        {
            foreach (var value in queries)
            {
                var query = string.Join("&", route.QueryParameters.Select(q => $"{q}={value}"));
                yield return new Input($"?…={(value.Length > 20 ? $"{value.Length} chars" : value)}", probePath, query, null, false);
            }
        }
        // The header an event-stream client resumes with, and its Accept: refusals must still be coded problems.
        yield return new Input("Last-Event-ID garbage", probePath, route.QueryParameters.Contains("type") ? "type=bogus" : null, null, false,
            new Dictionary<string, string> { ["Last-Event-ID"] = "not-a-sequence", ["Accept"] = "text/event-stream" });
    }

    private async Task<string?> SendAsync(Route route, Input input)
    {
        var path = route.Template;
        foreach (var (name, value) in input.Path)
        {
            path = path.Replace("{" + name + "}", value, StringComparison.Ordinal);
        }
        using var request = new HttpRequestMessage(new HttpMethod(route.Method), new Uri(path + (input.Query is null ? "" : "?" + input.Query), UriKind.Relative))
        {
            Content = input.Body,
        };
        foreach (var (name, value) in input.Headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        HttpResponseMessage response;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            return $"no answer ({ex.GetType().Name}: {ex.Message})";
        }
        using (response)
        {
            var status = (int)response.StatusCode;
            if (response.Content.Headers.ContentType?.MediaType == "text/event-stream")
            {
                return input.MustRefuse ? $"{status}, a stream" : null; // A stream that opened: the input did not matter to it.
            }
            var body = await response.Content.ReadAsStringAsync();
            var excerpt = body.Length > 300 ? body[..300] + "…" : body;
            if (status >= 500)
            {
                return $"{status}: {excerpt}";
            }
            if (status < 400)
            {
                return input.MustRefuse ? $"{status} (accepted): {excerpt}" : null;
            }
            if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
            {
                return $"{status} as {response.Content.Headers.ContentType?.MediaType ?? "no content type"}: {excerpt}";
            }
            using var problem = JsonDocument.Parse(body);
            if (!problem.RootElement.TryGetProperty("code", out var code) || string.IsNullOrEmpty(code.GetString()))
            {
                return $"{status} without a code: {excerpt}";
            }
            if (!problem.RootElement.TryGetProperty("status", out var echoed) || echoed.GetInt32() != status)
            {
                return $"{status} whose problem says another status: {excerpt}";
            }
            return null;
        }
    }

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");

    /// <summary>Every route of the OpenAPI document with its path and query parameters and its body's schema.</summary>
    private async Task<IReadOnlyList<Route>> RoutesAsync()
    {
        var document = JsonNode.Parse(await _client.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative)))!;
        var schemas = document["components"]?["schemas"];
        var routes = new List<Route>();
        foreach (var (template, item) in document["paths"]!.AsObject())
        {
            foreach (var (method, operation) in item!.AsObject())
            {
                var parameters = operation!["parameters"]?.AsArray().Select(p => p!) ?? [];
                var body = operation["requestBody"]?["content"]?["application/json"]?["schema"];
                routes.Add(new Route(method.ToUpperInvariant(), template,
                    parameters.Where(p => (string?)p["in"] == "path").Select(p => (string)p["name"]!).ToList(),
                    parameters.Where(p => (string?)p["in"] == "query").Select(p => (string)p["name"]!).ToList(),
                    body is null ? null : Resolve(body, schemas),
                    operation["requestBody"] is not null));
            }
        }
        return routes;
    }

    /// <summary>A JSON object giving each property of <paramref name="schema"/> a value of the wrong type, or null when it has none.</summary>
    private static string? WrongTypes(JsonNode? schema)
    {
        if (schema?["properties"] is not JsonObject properties)
        {
            return null;
        }
        var body = new JsonObject();
        foreach (var (name, property) in properties)
        {
            var types = TypesOf(property);
            JsonNode? wrong =
                types.Contains("integer") || types.Contains("number") ? "high"
                : types.Contains("boolean") ? "yes"
                : types.Contains("array") ? "not an array"
                : types.Contains("string") && (string?)property?["format"] == "date-time" ? "not a date"
                : types.Contains("string") && property?["enum"] is not null ? "no-such-value"
                : types.Contains("string") ? 12345
                : types.Contains("object") || property?["properties"] is not null || property?["$ref"] is not null ? 5
                : null;
            if (wrong is not null)
            {
                body[name] = wrong;
            }
        }
        return body.Count == 0 ? null : body.ToJsonString();
    }

    private static HashSet<string> TypesOf(JsonNode? schema)
    {
        var types = new HashSet<string>(StringComparer.Ordinal);
        switch (schema?["type"])
        {
            case JsonArray array:
                types.UnionWith(array.Select(t => (string)t!));
                break;
            case JsonValue value:
                types.Add((string)value!);
                break;
        }
        foreach (var alternative in (schema?["anyOf"] ?? schema?["oneOf"])?.AsArray() ?? [])
        {
            types.UnionWith(TypesOf(alternative));
        }
        types.Remove("null");
        return types;
    }

    /// <summary>The schema with its <c>$ref</c>s resolved one level deep (properties keep theirs, resolved on demand).</summary>
    private static JsonNode Resolve(JsonNode schema, JsonNode? schemas)
    {
        var resolved = schema;
        if ((string?)schema["$ref"] is { } reference && schemas?[reference.Split('/')[^1]] is { } target)
        {
            resolved = target;
        }
        resolved = resolved.DeepClone();
        if (resolved["properties"] is JsonObject properties)
        {
            foreach (var name in properties.Select(p => p.Key).ToList())
            {
                if ((string?)properties[name]?["$ref"] is { } inner && schemas?[inner.Split('/')[^1]] is { } innerTarget)
                {
                    properties[name] = innerTarget.DeepClone();
                }
            }
        }
        return resolved;
    }

    /// <summary>Stores one of each thing the API keeps, to check afterwards that the bad inputs changed none of it.</summary>
    private async Task<string> SeedAsync()
    {
        var queue = Api.UniqueQueue("edge");
        var task = await _client.EnqueueAsync(new { action = "noop", queue, idempotencyKey = "edge-seed-" + queue });
        await _client.UntilStatusAsync(task.Id(), "succeeded");
        _seededTask = task.Id();
        await _client.PutAsJsonAsync(new Uri("/api/schedules/edge-seed", UriKind.Relative), new { intervalSeconds = 3600, task = new { action = "noop" } })
            .ExpectAsync(HttpStatusCode.Created);
        await _client.PostJsonAsync("/api/webhook-instances", new { provider = "telegram", instance = "edge-seed", secret = "edge-secret" })
            .ExpectAsync(HttpStatusCode.Created);
        await _client.PostJsonAsync("/api/routes", new { id = "edge-seed", action = "noop", text_prefix = "/edge" }).ExpectAsync(HttpStatusCode.Created);
        var identity = await _client.PostJsonAsync("/api/identities/resolve", new { provider = "telegram", handle = "edge-seed" }).ExpectAsync(HttpStatusCode.OK);
        _seededIdentity = identity.GetProperty("id").GetString()!;
        return await SnapshotAsync();
    }

    private string _seededTask = "";
    private string _seededIdentity = "";

    private async Task<string> SnapshotAsync()
    {
        var task = await _client.TaskAsync(_seededTask);
        var schedule = await _client.GetAsync("/api/schedules/edge-seed").ExpectAsync(HttpStatusCode.OK);
        var instance = await _client.GetAsync("/api/webhook-instances/telegram/edge-seed").ExpectAsync(HttpStatusCode.OK);
        var route = await _client.GetAsync("/api/routes/edge-seed").ExpectAsync(HttpStatusCode.OK);
        var identity = await _client.GetAsync($"/api/identities/{_seededIdentity}").ExpectAsync(HttpStatusCode.OK);
        return string.Join("\n",
            $"{task.Id()} {task.Status()} {task.GetProperty("queue").GetString()}",
            $"{schedule.GetProperty("name").GetString()} {schedule.GetProperty("intervalSeconds").GetDouble()} paused={schedule.GetProperty("paused").GetBoolean()}",
            instance.GetProperty("updated_at").ToString(),
            route.GetRawText(),
            identity.GetRawText());
    }
}
