using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using OmniActors.Silo.Dashboard;

namespace OmniActors.Browser.Tests;

/// <summary>The session cookie itself, without a silo: its attributes, its expiry, and what it reveals.</summary>
public sealed class DashboardSessionTests
{
    private readonly ManualClock _time = new();
    private readonly DashboardSession _session;

    public DashboardSessionTests()
    {
        _session = new DashboardSession(new EphemeralDataProtectionProvider(),
            Options.Create(new DashboardOptions { SessionLifetime = TimeSpan.FromHours(8) }), _time);
    }

    [Theory]
    [InlineData("https", true)]
    [InlineData("http", false)]
    public void The_cookie_is_Secure_exactly_when_the_request_came_over_https(string scheme, bool secure)
    {
        var setCookie = SignIn(scheme, "a-key");
        Assert.Equal(secure, setCookie.Contains("secure", StringComparison.OrdinalIgnoreCase));
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", setCookie, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_session_reads_back_as_its_key_fingerprint_until_it_expires()
    {
        var request = RequestWith(SignIn("http", "a-key"));
        Assert.Equal(DashboardSession.Fingerprint("a-key"), _session.Read(request));

        _time.Advance(TimeSpan.FromHours(8) - TimeSpan.FromSeconds(1));
        Assert.NotNull(_session.Read(request));
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Null(_session.Read(request));
    }

    [Fact]
    public void The_cookie_does_not_contain_the_key_or_its_fingerprint()
    {
        var setCookie = SignIn("http", "a-key");
        Assert.DoesNotContain("a-key", setCookie, StringComparison.Ordinal);
        Assert.DoesNotContain(DashboardSession.Fingerprint("a-key"), Uri.UnescapeDataString(setCookie), StringComparison.Ordinal);
    }

    [Fact]
    public void An_oversized_cookie_is_not_even_unsealed()
    {
        var request = new DefaultHttpContext().Request;
        request.Headers.Cookie = $"{DashboardSession.CookieName}={new string('A', 5000)}";
        Assert.Null(_session.Read(request));
    }

    [Theory]
    [InlineData("GET", null, null, null, true)]
    [InlineData("POST", null, null, null, false)]
    [InlineData("POST", "1", null, null, true)]
    [InlineData("POST", "1", "http://silo.test", "same-origin", true)]
    [InlineData("POST", "1", "http://evil.test", null, false)]
    [InlineData("POST", "1", "null", null, false)]
    [InlineData("DELETE", "1", null, "cross-site", false)]
    [InlineData("PUT", "1", null, "same-site", false)]
    public void State_changing_requests_need_the_header_and_the_same_origin(string method, string? csrf, string? origin, string? site, bool passes)
    {
        var request = new DefaultHttpContext().Request;
        request.Method = method;
        request.Scheme = "http";
        request.Host = new HostString("silo.test");
        if (csrf is not null)
        {
            request.Headers[DashboardSession.CsrfHeader] = csrf;
        }
        if (origin is not null)
        {
            request.Headers.Origin = origin;
        }
        if (site is not null)
        {
            request.Headers["Sec-Fetch-Site"] = site;
        }
        Assert.Equal(passes, DashboardSession.PassesCsrfCheck(request));
    }

    private string SignIn(string scheme, string key)
    {
        var context = new DefaultHttpContext();
        context.Request.Scheme = scheme;
        _session.SignIn(context, key);
        return context.Response.Headers.SetCookie.ToString();
    }

    private static HttpRequest RequestWith(string setCookie)
    {
        var request = new DefaultHttpContext().Request;
        request.Headers.Cookie = setCookie[..setCookie.IndexOf(';', StringComparison.Ordinal)];
        return request;
    }
}

/// <summary>A clock the test moves by hand.</summary>
internal sealed class ManualClock : TimeProvider
{
    private DateTimeOffset _now = DateTimeOffset.UtcNow;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
