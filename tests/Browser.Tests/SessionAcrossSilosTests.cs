using System.Net;
using OmniActors.Browser.Tests.Support;
using OmniActors.Silo.Dashboard;

namespace OmniActors.Browser.Tests;

/// <summary>
/// A dashboard cookie is only as good as the key it was issued for: another silo that shares the Data Protection keys
/// accepts it while it has that API key, and refuses it once the key is gone (key rotation ends sessions).
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed class SessionAcrossSilosTests(DashboardSilo silo)
{
    [Theory]
    [InlineData(DashboardSilo.ApiKey, HttpStatusCode.OK)]
    [InlineData("a-rotated-key-the-cookie-never-saw", HttpStatusCode.Unauthorized)]
    public async Task A_cookie_works_on_a_silo_sharing_the_keys_folder_only_while_its_API_key_is_configured(string otherSiloKey, HttpStatusCode expected)
    {
        string cookie;
        using (var client = silo.CreateHttpClient())
        using (var login = await client.PostAsync("/dashboard/login",
            new FormUrlEncodedContent([new KeyValuePair<string, string>("key", DashboardSilo.ApiKey)])))
        {
            Assert.Equal(HttpStatusCode.SeeOther, login.StatusCode);
            var header = login.Headers.GetValues("Set-Cookie").Single();
            cookie = header[..header.IndexOf(';', StringComparison.Ordinal)];
        }

        await using var other = DashboardSilo.SharingKeysWith(silo, otherSiloKey);
        await other.InitializeAsync();
        using var otherClient = other.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/queues");
        request.Headers.Add("Cookie", cookie);
        using var response = await otherClient.SendAsync(request);
        Assert.Equal(expected, response.StatusCode);
        Assert.StartsWith(DashboardSession.CookieName + "=", cookie, StringComparison.Ordinal);
    }
}
