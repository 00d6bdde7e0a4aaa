using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using OmniActors.Silo.Dashboard;

namespace OmniActors.Silo.Api;

/// <summary>
/// Refuses management calls without a configured API key (constant-time comparison) or a dashboard session cookie;
/// a state-changing call made with the cookie must also pass the dashboard's CSRF check.
/// </summary>
internal sealed class ApiKeyFilter(IOptions<ApiOptions> options, IHostEnvironment environment, DashboardSession session) : IEndpointFilter
{
    public const string HeaderName = "X-Api-Key";
    private const string BasicChallenge = "Basic realm=\"OmniActors\", charset=\"UTF-8\"";

    private readonly byte[][] _keys = options.Value.ApiKeys.Where(k => !string.IsNullOrEmpty(k)).Select(Encoding.UTF8.GetBytes).ToArray();
    private readonly bool _required = options.Value.RequireApiKey ?? !environment.IsDevelopment();
    private readonly HashSet<string> _fingerprints = options.Value.ApiKeys.Where(k => !string.IsNullOrEmpty(k)).Select(DashboardSession.Fingerprint).ToHashSet(StringComparer.Ordinal);

    /// <summary>False when anyone may call the API (no key required).</summary>
    public bool Required => _required;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        return Refusal(context.HttpContext.Request, allowBasic: false) ?? await next(context);
    }

    /// <summary>
    /// Guards every request under <paramref name="path"/>, whatever serves it (pages, static assets, their API calls),
    /// for routes mapped by a library whose endpoints an endpoint filter cannot reach. Also accepts HTTP Basic with the
    /// key as password and answers 401 with a Basic challenge, so a browser asks for the key once and then sends it on
    /// the page's own requests: no secret ends up in the page.
    /// </summary>
    public static IApplicationBuilder RequireApiKeyFor(IApplicationBuilder app, PathString path) =>
        app.UseWhen(c => c.Request.Path.StartsWithSegments(path), branch => branch.Use(async (context, next) =>
        {
            var refusal = context.RequestServices.GetRequiredService<ApiKeyFilter>().Refusal(context.Request, allowBasic: true);
            if (refusal is null)
            {
                await next(context);
                return;
            }
            context.Response.Headers.WWWAuthenticate = BasicChallenge;
            await refusal.ExecuteAsync(context);
        }));

    /// <summary>Null when the request may pass; otherwise the 401 problem to answer with.</summary>
    public IResult? Refusal(HttpRequest request, bool allowBasic)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!_required)
        {
            return null;
        }
        var presented = Presented(request, allowBasic);
        if (presented is null && DashboardSession.HasCookie(request))
        {
            return SessionRefusal(request);
        }
        if (presented is null)
        {
            return Problems.Create(StatusCodes.Status401Unauthorized, "API key required",
                $"Send the API key in the {HeaderName} header.", "api_key_missing");
        }
        return Accepts(presented) ? null
            : Problems.Create(StatusCodes.Status401Unauthorized, "API key rejected", "The API key is not valid.", "api_key_invalid");
    }

    /// <summary>True when <paramref name="presented"/> is one of the configured keys.</summary>
    public bool Accepts(string presented)
    {
        ArgumentNullException.ThrowIfNull(presented);
        var bytes = Encoding.UTF8.GetBytes(presented);
        var match = false;
        foreach (var key in _keys)
        {
            match |= CryptographicOperations.FixedTimeEquals(key, bytes);
        }
        return match;
    }

    /// <summary>Null when the request's dashboard session is valid, for a key still configured, and passes the CSRF check.</summary>
    private IResult? SessionRefusal(HttpRequest request)
    {
        if (session.Read(request) is not { } fingerprint || !_fingerprints.Contains(fingerprint))
        {
            return Problems.Create(StatusCodes.Status401Unauthorized, "Session invalid",
                "The dashboard session is expired or invalid: log in again, or send the API key in the " + HeaderName + " header.", "session_invalid");
        }
        return DashboardSession.PassesCsrfCheck(request) ? null
            : Problems.Create(StatusCodes.Status403Forbidden, "Cross-site request refused",
                $"A state-changing request made with the dashboard session must come from the dashboard itself (same origin, {DashboardSession.CsrfHeader} header).",
                "csrf_check_failed");
    }

    private static string? Presented(HttpRequest request, bool allowBasic)
    {
        if (request.Headers.TryGetValue(HeaderName, out var key) && !string.IsNullOrEmpty(key))
        {
            return key.ToString();
        }
        var auth = request.Headers.Authorization.ToString();
        if (auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return auth["Bearer ".Length..].Trim();
        }
        return allowBasic && auth.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase) ? BasicPassword(auth["Basic ".Length..].Trim()) : null;
    }

    /// <summary>The password of <c>user:password</c> credentials (any user name).</summary>
    private static string? BasicPassword(string credentials)
    {
        var buffer = new byte[credentials.Length];
        if (!Convert.TryFromBase64String(credentials, buffer, out var length))
        {
            return null;
        }
        var decoded = Encoding.UTF8.GetString(buffer, 0, length);
        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? null : decoded[(colon + 1)..];
    }

    /// <summary>Fails start when keys are required but none is configured.</summary>
    public static void Validate(ApiOptions options, IHostEnvironment environment)
    {
        if ((options.RequireApiKey ?? !environment.IsDevelopment()) && !options.ApiKeys.Any(k => !string.IsNullOrEmpty(k)))
        {
            throw new InvalidOperationException(
                "OmniActors:Api requires an API key outside Development but none is configured: set OmniActors__Api__ApiKeys__0 " +
                "(or OmniActors__Api__RequireApiKey=false to run unprotected).");
        }
    }
}
