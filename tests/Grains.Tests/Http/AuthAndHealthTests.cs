using System.Net;
using System.Net.Http.Headers;
using OmniActors.Tests.Support;

namespace OmniActors.Tests.Http;

[Collection(SiloApiCollection.Name)]
public sealed class AuthAndHealthTests(SiloApiFactory factory)
{
    [Theory]
    [InlineData("/api/tasks")]
    [InlineData("/api/queues")]
    [InlineData("/api/dead-letters")]
    public async Task A_call_without_a_key_is_a_401_problem(string url)
    {
        using var client = factory.CreateClient();
        await client.GetAsync(url).ExpectProblemAsync(HttpStatusCode.Unauthorized, "api_key_missing");
    }

    [Fact]
    public async Task An_enqueue_without_a_key_is_refused_before_anything_is_stored()
    {
        var queue = Api.UniqueQueue("nokey");
        using (var anonymous = factory.CreateClient())
        {
            await anonymous.PostJsonAsync("/api/tasks", new { action = "echo", queue }).ExpectProblemAsync(HttpStatusCode.Unauthorized, "api_key_missing");
        }
        using var client = factory.CreateApiClient();
        Assert.Empty(await client.IdsInQueueAsync(queue));
    }

    [Fact]
    public async Task A_wrong_key_is_a_401_problem()
    {
        using var client = factory.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", "wrong-key");
        await client.GetAsync("/api/tasks").ExpectProblemAsync(HttpStatusCode.Unauthorized, "api_key_invalid");
    }

    [Fact]
    public async Task A_wrong_bearer_token_is_a_401_problem()
    {
        using var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", factory.ApiKey + "x");
        await client.GetAsync("/api/tasks").ExpectProblemAsync(HttpStatusCode.Unauthorized, "api_key_invalid");
    }

    [Fact]
    public async Task Another_authorization_scheme_counts_as_no_key()
    {
        using var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", factory.ApiKey);
        await client.GetAsync("/api/tasks").ExpectProblemAsync(HttpStatusCode.Unauthorized, "api_key_missing");
    }

    [Fact]
    public async Task The_key_is_accepted_as_a_bearer_token()
    {
        using var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", factory.ApiKey);
        var page = await client.GetAsync("/api/tasks?limit=1").ExpectAsync(HttpStatusCode.OK);
        Assert.True(page.TryGetProperty("items", out _));
    }

    [Fact]
    public async Task The_key_is_accepted_in_the_header()
    {
        using var client = factory.CreateApiClient();
        await client.GetAsync("/api/dead-letters?limit=1").ExpectAsync(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    public async Task Health_needs_no_key_and_is_healthy(string url)
    {
        using var client = factory.CreateClient();
        using var response = await client.GetAsync(Api.Url(url));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_openapi_document_lists_the_task_routes()
    {
        using var client = factory.CreateApiClient();
        var document = await client.GetAsync("/openapi/v1.json").ExpectAsync(HttpStatusCode.OK);
        var paths = document.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/api/tasks", out _), paths.GetRawText());
        Assert.True(paths.TryGetProperty("/api/tasks/{id}", out _));
        Assert.True(paths.TryGetProperty("/api/queues", out _));
        Assert.True(paths.TryGetProperty("/api/dead-letters", out _));
    }
}
