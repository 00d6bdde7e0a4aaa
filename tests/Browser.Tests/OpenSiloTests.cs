using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OmniActors.Browser.Tests.Support;

namespace OmniActors.Browser.Tests;

/// <summary>A silo that requires no API key (Development): the dashboard opens without a login and sets no cookie.</summary>
[Collection(DashboardCollection.Name)]
public sealed class OpenSiloTests
{
    [Fact]
    public async Task Without_a_required_key_the_page_opens_directly_and_login_is_a_no_op()
    {
        await using var silo = DashboardSilo.Open();
        await silo.InitializeAsync();
        using var client = silo.CreateHttpClient();

        using (var page = await client.GetAsync("/dashboard/"))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Contains("<script type=\"module\" src=\"/dashboard/assets/app.js\">", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        var session = await client.GetFromJsonAsync<JsonElement>("/dashboard/session");
        Assert.False(session.GetProperty("required").GetBoolean());
        using (var login = await client.GetAsync("/dashboard/login"))
        {
            Assert.Equal("/dashboard/", login.Headers.Location?.OriginalString);
        }
        using var post = await client.PostAsync("/dashboard/login", new FormUrlEncodedContent([new KeyValuePair<string, string>("key", "anything")]));
        Assert.Equal(HttpStatusCode.Redirect, post.StatusCode);
        Assert.False(post.Headers.Contains("Set-Cookie"));
    }
}
