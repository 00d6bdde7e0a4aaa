using System.Net;
using OmniActors.Tests.Support;

namespace OmniActors.Tests.Http;

/// <summary><c>/api/breakers</c> over real HTTP.</summary>
[Collection(SiloApiCollection.Name)]
public sealed class BreakersEndpointsTests(SiloApiFactory factory) : IDisposable
{
    private readonly HttpClient _client = factory.CreateApiClient();

    public void Dispose() => _client.Dispose();

    [Fact]
    public async Task Breakers_are_listed_for_actions_that_have_one()
    {
        var list = await _client.GetAsync("/api/breakers").ExpectAsync(HttpStatusCode.OK);

        var breaker = Assert.Single(list.EnumerateArray(), b => b.GetProperty("action").GetString() == "test-breaker");
        Assert.Equal(2, breaker.GetProperty("failureThreshold").GetInt32());
        Assert.True(breaker.GetProperty("enabled").GetBoolean());
        Assert.DoesNotContain(list.EnumerateArray(), b => b.GetProperty("action").GetString() == "echo");
    }

    [Fact]
    public async Task One_breaker_shows_its_state_and_an_unknown_action_is_404()
    {
        var one = await _client.GetAsync("/api/breakers/echo").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("closed", one.GetProperty("status").GetString());
        Assert.False(one.GetProperty("enabled").GetBoolean());

        await _client.GetAsync("/api/breakers/no-such-action").ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
    }
}
