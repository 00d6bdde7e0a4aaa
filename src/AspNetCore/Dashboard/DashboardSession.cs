using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace OmniActors.Silo.Dashboard;

/// <summary>
/// The dashboard's login session: an HttpOnly, SameSite=Strict cookie sealed with ASP.NET Core Data Protection
/// (authenticated encryption, expiry inside the seal). It names the API key it was issued for by a fingerprint, so
/// removing that key from the configuration ends every session opened with it. The key itself never leaves the server.
/// </summary>
public sealed class DashboardSession
{
    /// <summary>Cookie name.</summary>
    public const string CookieName = "omni_dashboard";

    /// <summary>The header a cookie-authenticated state-changing request must carry (a cross-site form cannot send it).</summary>
    public const string CsrfHeader = "X-Omni-Csrf";

    private const string Purpose = "OmniActors.Dashboard.Session.v1";
    private const string Version = "v1";

    private readonly ITimeLimitedDataProtector _protector;
    private readonly TimeSpan _lifetime;
    private readonly TimeProvider _time;

    /// <summary>Creates the session sealer.</summary>
    public DashboardSession(IDataProtectionProvider protection, IOptions<DashboardOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(protection);
        ArgumentNullException.ThrowIfNull(options);
        _protector = protection.CreateProtector(Purpose).ToTimeLimitedDataProtector();
        _lifetime = options.Value.SessionLifetime;
        _time = time;
    }

    /// <summary>The fingerprint of an API key (a hash prefix: it cannot be turned back into the key).</summary>
    public static string Fingerprint(string key) =>
        Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes("omni-dashboard:" + key)).AsSpan(0, 16));

    /// <summary>Sets the session cookie for a login made with <paramref name="key"/> (already checked).</summary>
    public void SignIn(HttpContext context, string key)
    {
        ArgumentNullException.ThrowIfNull(context);
        var expires = _time.GetUtcNow() + _lifetime;
        var sealedValue = _protector.Protect($"{Version}|{Fingerprint(key)}", expires);
        context.Response.Cookies.Append(CookieName, sealedValue, CookieOptions(context, expires));
    }

    /// <summary>Removes the session cookie.</summary>
    public static void SignOut(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.Cookies.Delete(CookieName, CookieOptions(context, null));
    }

    /// <summary>True when the request carries a session cookie at all (valid or not).</summary>
    public static bool HasCookie(HttpRequest request) => request?.Cookies.ContainsKey(CookieName) == true;

    /// <summary>The key fingerprint the request's session cookie was issued for; null when there is none or it is forged, altered or expired.</summary>
    public string? Read(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!request.Cookies.TryGetValue(CookieName, out var value) || string.IsNullOrEmpty(value) || value.Length > 4096)
        {
            return null;
        }
        try
        {
            var text = _protector.Unprotect(value, out var expiration);
            if (expiration <= _time.GetUtcNow())
            {
                return null;
            }
            var parts = text.Split('|');
            return parts is [Version, var fingerprint] ? fingerprint : null;
        }
        catch (CryptographicException)
        {
            return null; // Forged, altered, expired or sealed with keys this silo does not have.
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>
    /// Whether a state-changing request made with the cookie is same-origin: it must carry <see cref="CsrfHeader"/>
    /// (which a cross-site page cannot add without a CORS preflight we never grant) and any Origin must be this host.
    /// </summary>
    public static bool PassesCsrfCheck(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method))
        {
            return true;
        }
        return request.Headers.TryGetValue(CsrfHeader, out var marker) && !string.IsNullOrEmpty(marker) && IsSameOrigin(request);
    }

    /// <summary>
    /// False when the browser says the request comes from another origin. Sec-Fetch-Site (which pages cannot forge)
    /// decides when present; otherwise an Origin header, if any, must be this very origin ("null" is not).
    /// </summary>
    public static bool IsSameOrigin(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site.Length > 0)
        {
            return site is "same-origin" or "none";
        }
        var origin = request.Headers.Origin.ToString();
        if (origin.Length == 0)
        {
            return true; // Browsers send Origin on cross-origin POSTs; its absence means a same-origin or non-browser client.
        }
        return string.Equals(origin, $"{request.Scheme}://{request.Host.Value}", StringComparison.OrdinalIgnoreCase);
    }

    private static CookieOptions CookieOptions(HttpContext context, DateTimeOffset? expires) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Secure = context.Request.IsHttps,
        Path = "/",
        Expires = expires,
        IsEssential = true,
    };
}
