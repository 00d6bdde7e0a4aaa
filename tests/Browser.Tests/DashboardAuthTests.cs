using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using OmniActors.Browser.Tests.Support;
using OmniActors.Silo.Dashboard;

namespace OmniActors.Browser.Tests;

/// <summary>The dashboard login and its cookie over plain HTTP: what gets in, and the ways around it that must not.</summary>
[Collection(DashboardCollection.Name)]
public sealed class DashboardAuthTests(DashboardSilo silo)
{
    private const string Cookie = DashboardSession.CookieName;

    [Fact]
    public async Task A_login_with_the_key_sets_a_sealed_HttpOnly_SameSite_Strict_cookie()
    {
        using var client = silo.CreateHttpClient();
        using var response = await LoginAsync(client, DashboardSilo.ApiKey);

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.Equal("/dashboard/", response.Headers.Location?.OriginalString);
        var setCookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith(Cookie + "=", setCookie, StringComparison.Ordinal);
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("secure", setCookie, StringComparison.OrdinalIgnoreCase); // plain http here; https sets Secure
        Assert.DoesNotContain(DashboardSilo.ApiKey, setCookie, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_session_cookie_opens_the_API_for_reads()
    {
        var cookie = await SessionCookieAsync();
        using var client = silo.CreateHttpClient();
        using var response = await SendAsync(client, HttpMethod.Get, "/api/queues", cookie);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var orleans = await SendAsync(client, HttpMethod.Get, "/orleans/", cookie);
        Assert.Equal(HttpStatusCode.OK, orleans.StatusCode); // the Orleans dashboard sits behind the same login
    }

    [Fact]
    public async Task A_state_changing_call_with_the_cookie_needs_the_CSRF_header_and_the_same_origin()
    {
        var queue = $"csrf-{Guid.NewGuid():N}"[..20];
        await silo.EnqueueAsync(queue, "noop");
        var cookie = await SessionCookieAsync();
        using var client = silo.CreateHttpClient();

        using (var bare = await SendAsync(client, HttpMethod.Post, $"/api/queues/{queue}/pause", cookie))
        {
            await ExpectProblemAsync(bare, HttpStatusCode.Forbidden, "csrf_check_failed");
        }
        using (var crossOrigin = await SendAsync(client, HttpMethod.Post, $"/api/queues/{queue}/pause", cookie,
            ("X-Omni-Csrf", "1"), ("Origin", "http://evil.example")))
        {
            await ExpectProblemAsync(crossOrigin, HttpStatusCode.Forbidden, "csrf_check_failed");
        }
        using (var crossSite = await SendAsync(client, HttpMethod.Post, $"/api/queues/{queue}/pause", cookie,
            ("X-Omni-Csrf", "1"), ("Sec-Fetch-Site", "cross-site")))
        {
            await ExpectProblemAsync(crossSite, HttpStatusCode.Forbidden, "csrf_check_failed");
        }
        Assert.False(await PausedAsync(queue)); // nothing refused took effect

        using var sameOrigin = await SendAsync(client, HttpMethod.Post, $"/api/queues/{queue}/pause", cookie,
            ("X-Omni-Csrf", "1"), ("Origin", silo.BaseAddress.GetLeftPart(UriPartial.Authority)), ("Sec-Fetch-Site", "same-origin"));
        Assert.Equal(HttpStatusCode.OK, sameOrigin.StatusCode);
        Assert.True(await PausedAsync(queue));
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("CfDJ8AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("")]
    public async Task A_forged_cookie_is_a_401(string value)
    {
        using var client = silo.CreateHttpClient();
        using var response = await SendAsync(client, HttpMethod.Get, "/api/queues", value);
        await ExpectProblemAsync(response, HttpStatusCode.Unauthorized, value.Length == 0 ? "api_key_missing" : "session_invalid");
    }

    [Fact]
    public async Task An_altered_cookie_is_a_401()
    {
        var cookie = await SessionCookieAsync();
        var middle = cookie.Length / 2;
        var altered = cookie[..middle] + (cookie[middle] == 'A' ? 'B' : 'A') + cookie[(middle + 1)..];
        using var client = silo.CreateHttpClient();
        using var response = await SendAsync(client, HttpMethod.Get, "/api/queues", altered);
        await ExpectProblemAsync(response, HttpStatusCode.Unauthorized, "session_invalid");
    }

    [Fact]
    public async Task A_cookie_sealed_with_other_keys_is_a_401_even_in_the_right_format()
    {
        // Someone who knows the format and the key's fingerprint, but not the silo's Data Protection keys.
        var forger = DataProtectionProvider.Create("OmniActors").CreateProtector("OmniActors.Dashboard.Session.v1").ToTimeLimitedDataProtector();
        var forged = forger.Protect($"v1|{DashboardSession.Fingerprint(DashboardSilo.ApiKey)}", DateTimeOffset.UtcNow.AddHours(1));
        using var client = silo.CreateHttpClient();
        using var response = await SendAsync(client, HttpMethod.Get, "/api/queues", forged);
        await ExpectProblemAsync(response, HttpStatusCode.Unauthorized, "session_invalid");
    }

    [Fact]
    public async Task A_wrong_key_gets_no_cookie()
    {
        using var client = ClientFrom(IPAddress.Parse("127.0.0.3"));
        using var response = await LoginAsync(client, DashboardSilo.ApiKey + "x");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.False(response.Headers.Contains("Set-Cookie"));
        Assert.Contains("That key is not valid.", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Malformed_oversized_and_duplicate_logins_are_refused_with_clear_errors()
    {
        using var client = silo.CreateHttpClient();
        using (var json = await client.PostAsJsonAsync("/dashboard/login", new { key = DashboardSilo.ApiKey }))
        {
            await ExpectProblemAsync(json, HttpStatusCode.UnsupportedMediaType, "login_form_expected");
        }
        using (var huge = await client.PostAsync("/dashboard/login", Form(("key", new string('k', 20_000)))))
        {
            await ExpectProblemAsync(huge, HttpStatusCode.RequestEntityTooLarge, "login_too_large");
        }
        using (var longKey = await client.PostAsync("/dashboard/login", Form(("key", new string('k', 2_000)))))
        {
            await ExpectProblemAsync(longKey, HttpStatusCode.BadRequest, "login_malformed");
        }
        using (var twice = await client.PostAsync("/dashboard/login", Form(("key", DashboardSilo.ApiKey), ("key", DashboardSilo.ApiKey))))
        {
            Assert.Equal(HttpStatusCode.BadRequest, twice.StatusCode);
            Assert.False(twice.Headers.Contains("Set-Cookie"));
        }
        using (var empty = await client.PostAsync("/dashboard/login", Form(("key", ""))))
        {
            Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
            Assert.False(empty.Headers.Contains("Set-Cookie"));
        }
    }

    [Theory]
    [InlineData("Origin", "http://evil.example")]
    [InlineData("Origin", "null")]
    [InlineData("Sec-Fetch-Site", "cross-site")]
    [InlineData("Sec-Fetch-Site", "same-site")]
    public async Task A_login_posted_from_another_site_is_refused(string header, string value)
    {
        using var client = silo.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/dashboard/login") { Content = Form(("key", DashboardSilo.ApiKey)) };
        request.Headers.Add(header, value);
        using var response = await client.SendAsync(request);
        await ExpectProblemAsync(response, HttpStatusCode.Forbidden, "csrf_check_failed");
        Assert.False(response.Headers.Contains("Set-Cookie"));
    }

    [Fact]
    public async Task Repeated_failed_logins_from_one_address_are_throttled_even_with_the_right_key()
    {
        // Its own source address (all of 127/8 is loopback), so the other tests' logins are not throttled.
        using var client = ClientFrom(IPAddress.Parse("127.0.0.2"));
        for (var i = 0; i < 5; i++)
        {
            using var wrong = await LoginAsync(client, $"guess-{i}");
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }
        using var right = await LoginAsync(client, DashboardSilo.ApiKey);
        await ExpectProblemAsync(right, HttpStatusCode.TooManyRequests, "login_throttled");
        Assert.True(right.Headers.RetryAfter is not null);
        Assert.False(right.Headers.Contains("Set-Cookie"));

        using var elsewhere = await LoginAsync(silo.CreateHttpClient(), DashboardSilo.ApiKey);
        Assert.Equal(HttpStatusCode.SeeOther, elsewhere.StatusCode);
    }

    [Fact]
    public async Task Logout_needs_the_CSRF_header_and_clears_the_cookie()
    {
        var cookie = await SessionCookieAsync();
        using var client = silo.CreateHttpClient();
        using (var bare = await SendAsync(client, HttpMethod.Post, "/dashboard/logout", cookie))
        {
            await ExpectProblemAsync(bare, HttpStatusCode.Forbidden, "csrf_check_failed");
        }
        using var response = await SendAsync(client, HttpMethod.Post, "/dashboard/logout", cookie, ("X-Omni-Csrf", "1"));
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var cleared = Assert.Single(response.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith(Cookie + "=;", cleared, StringComparison.Ordinal);
        Assert.Contains("expires=Thu, 01 Jan 1970", cleared, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task The_page_redirects_to_the_login_without_a_session_and_holds_no_secret()
    {
        using var client = silo.CreateHttpClient();
        using (var anonymous = await client.GetAsync("/dashboard/"))
        {
            Assert.Equal(HttpStatusCode.Redirect, anonymous.StatusCode);
            Assert.Equal("/dashboard/login", anonymous.Headers.Location?.OriginalString);
        }
        using (var bare = await client.GetAsync("/dashboard"))
        {
            Assert.Equal("/dashboard/", bare.Headers.Location?.OriginalString);
        }
        var cookie = await SessionCookieAsync();
        foreach (var path in new[] { "/dashboard/", "/dashboard/login", "/dashboard/assets/app.js", "/dashboard/assets/app.css", "/dashboard/session" })
        {
            using var response = await SendAsync(client, HttpMethod.Get, path, cookie);
            Assert.True(response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.Redirect, $"{path}: {response.StatusCode}");
            var body = await response.Content.ReadAsStringAsync();
            Assert.DoesNotContain(DashboardSilo.ApiKey, body, StringComparison.Ordinal);
            Assert.DoesNotContain(DashboardSession.Fingerprint(DashboardSilo.ApiKey), body, StringComparison.Ordinal);
        }
        using var page = await SendAsync(client, HttpMethod.Get, "/dashboard/", cookie);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var csp = string.Join(";", page.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", page.Headers.GetValues("X-Content-Type-Options").Single());
    }

    [Theory]
    [InlineData("../appsettings.json")]
    [InlineData("index.html")]
    [InlineData("login.html")]
    [InlineData("nope.js")]
    public async Task Only_the_embedded_script_and_style_are_served_as_assets(string file)
    {
        using var client = silo.CreateHttpClient();
        using var response = await client.GetAsync($"/dashboard/assets/{Uri.EscapeDataString(file)}");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private async Task<string> SessionCookieAsync()
    {
        using var client = silo.CreateHttpClient();
        using var response = await LoginAsync(client, DashboardSilo.ApiKey);
        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        var header = response.Headers.GetValues("Set-Cookie").Single();
        return header[(Cookie.Length + 1)..header.IndexOf(';', StringComparison.Ordinal)];
    }

    private static Task<HttpResponseMessage> LoginAsync(HttpClient client, string key) =>
        client.PostAsync("/dashboard/login", Form(("key", key)));

    private static FormUrlEncodedContent Form(params (string Name, string Value)[] fields) =>
        new(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)));

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, string cookie, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add("Cookie", $"{Cookie}={cookie}");
        foreach (var (name, value) in headers)
        {
            request.Headers.Add(name, value);
        }
        return client.SendAsync(request);
    }

    private async Task<bool> PausedAsync(string queue)
    {
        using var client = silo.CreateKeyClient();
        return (await client.GetFromJsonAsync<JsonElement>($"/api/queues/{queue}")).GetProperty("paused").GetBoolean();
    }

    /// <summary>A client whose connections come from <paramref name="source"/> (a loopback address of its own).</summary>
    private HttpClient ClientFrom(IPAddress source) => silo.CreateHttpClient(new SocketsHttpHandler
    {
        UseCookies = false,
        AllowAutoRedirect = false,
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(source, 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    });

    private static async Task ExpectProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {status}, got {response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(code, JsonDocument.Parse(body).RootElement.GetProperty("code").GetString());
    }
}
