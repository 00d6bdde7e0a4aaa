using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Options;
using OmniActors.Webhooks;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OmniActors.Silo.Api;

namespace OmniActors.Silo.Dashboard;

/// <summary>
/// <c>/dashboard</c>: the queue dashboard page, its assets, and the login that turns the API key into a session cookie.
/// The page holds no secret: its calls to <c>/api</c> carry the HttpOnly cookie, which <see cref="ApiKeyFilter"/> accepts.
/// </summary>
public static class DashboardEndpoints
{
    /// <summary>Where the dashboard is mounted.</summary>
    public const string Path = "/dashboard";

    private const string LoginField = "key";
    private const int MaxLoginBodyBytes = 8 * 1024;
    private const int MaxKeyLength = 1024;

    // The page runs only our own script and style; nothing may frame it (clickjacking) or leak its URL.
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    /// <summary>Services for the dashboard: options, Data Protection for the cookie, assets, login throttle.</summary>
    public static IServiceCollection AddOmniActorsDashboard(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<DashboardOptions>().BindConfiguration(DashboardOptions.Section);
        var options = configuration.GetSection(DashboardOptions.Section).Get<DashboardOptions>() ?? new DashboardOptions();
        // One application name so silos that share a keys folder accept each other's cookies.
        var protection = services.AddDataProtection().SetApplicationName("OmniActors");
        if (!string.IsNullOrWhiteSpace(options.KeysPath))
        {
            protection.PersistKeysToFileSystem(new DirectoryInfo(options.KeysPath));
        }
        else
        {
            // The cluster's database: every silo shares the ring with no volume to mount, and keys survive restarts.
            services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(provider => new ConfigureOptions<KeyManagementOptions>(key =>
                key.XmlRepository = new DatabaseKeyRepository(provider.GetRequiredService<EventDatabase>(), provider.GetRequiredService<TimeProvider>())));
        }
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<DashboardSession>();
        services.AddSingleton<DashboardAssets>();
        services.AddSingleton<LoginThrottle>();
        return services;
    }

    /// <summary>Maps the page, its assets, login, logout and the session probe.</summary>
    public static IEndpointRouteBuilder MapOmniActorsDashboard(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var dashboard = app.MapGroup(Path).ExcludeFromDescription().AddEndpointFilter(async (context, next) =>
        {
            Harden(context.HttpContext.Response);
            return await next(context);
        });
        // Routing matches /dashboard and /dashboard/ alike; the page's relative links need the slash.
        dashboard.MapGet("/", (HttpContext http, ApiKeyFilter keys, DashboardAssets assets) =>
            !http.Request.Path.Value!.EndsWith('/') ? TypedResults.Redirect(Path + "/")
            : Authorized(http.Request, keys) ? (IResult)Page(assets.Get("index.html"))
            : TypedResults.Redirect(Path + "/login"));
        dashboard.MapGet("/login", (HttpContext http, ApiKeyFilter keys, DashboardAssets assets) =>
            Authorized(http.Request, keys) ? TypedResults.Redirect(Path + "/") : (IResult)LoginPage(assets, null, StatusCodes.Status200OK));
        dashboard.MapPost("/login", Login);
        dashboard.MapPost("/logout", (HttpContext http) =>
        {
            if (!DashboardSession.PassesCsrfCheck(http.Request))
            {
                return CsrfRefusal();
            }
            DashboardSession.SignOut(http);
            return TypedResults.NoContent();
        });
        dashboard.MapGet("/session", (HttpContext http, ApiKeyFilter keys) => keys.Required
            ? keys.Refusal(http.Request, allowBasic: false) ?? TypedResults.Ok(new SessionDto(true, true))
            : TypedResults.Ok(new SessionDto(false, true)));
        dashboard.MapGet("/assets/{file}", (string file, HttpContext http, DashboardAssets assets) =>
        {
            if (file.EndsWith(".html", StringComparison.Ordinal) || assets.Find(file) is not { } asset)
            {
                return Problems.Create(StatusCodes.Status404NotFound, "Not found", "No such dashboard asset.", "not_found");
            }
            http.Response.Headers.ETag = asset.ETag;
            http.Response.Headers.CacheControl = "no-cache";
            return http.Request.Headers.IfNoneMatch == asset.ETag
                ? TypedResults.StatusCode(StatusCodes.Status304NotModified)
                : TypedResults.Bytes(asset.Bytes, asset.ContentType);
        });
        return app;
    }

    private static async Task<IResult> Login(HttpContext http, ApiKeyFilter keys, DashboardSession session, DashboardAssets assets, LoginThrottle throttle)
    {
        var request = http.Request;
        if (!DashboardSession.IsSameOrigin(request))
        {
            return CsrfRefusal(); // A login forced from another site would sign the operator into the attacker's session.
        }
        if (!request.HasFormContentType)
        {
            return Problems.Create(StatusCodes.Status415UnsupportedMediaType, "Form expected",
                "Post the key as an HTML form (application/x-www-form-urlencoded) field named \"key\".", "login_form_expected");
        }
        if (request.ContentLength > MaxLoginBodyBytes)
        {
            return Problems.Create(StatusCodes.Status413PayloadTooLarge, "Login too large", $"A login form is at most {MaxLoginBodyBytes} bytes.", "login_too_large");
        }
        var client = http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        if (throttle.BlockedUntil(client) is { } until)
        {
            http.Response.Headers.RetryAfter = Math.Ceiling((until - DateTimeOffset.UtcNow).TotalSeconds).ToString(CultureInfo.InvariantCulture);
            return Problems.Create(StatusCodes.Status429TooManyRequests, "Too many login attempts",
                "Too many failed logins from this address; try again in a minute.", "login_throttled");
        }
        string? key;
        try
        {
            // Our own small limits, not the app's 64 MiB body limit: a login form is one short field.
            http.Features.Set<IFormFeature>(new FormFeature(request, new FormOptions
            {
                BufferBodyLengthLimit = MaxLoginBodyBytes,
                MultipartBodyLengthLimit = MaxLoginBodyBytes,
                ValueCountLimit = 8,
                KeyLengthLimit = 64,
                ValueLengthLimit = MaxKeyLength,
            }));
            var form = await request.ReadFormAsync(http.RequestAborted);
            key = form[LoginField].Count == 1 ? form[LoginField].ToString() : null;
        }
        catch (InvalidDataException)
        {
            return Problems.Create(StatusCodes.Status400BadRequest, "Malformed login", "The login form is malformed or too large.", "login_malformed");
        }
        if (string.IsNullOrEmpty(key))
        {
            return LoginPage(assets, "Enter the API key.", StatusCodes.Status400BadRequest);
        }
        if (!keys.Required || !keys.Accepts(key))
        {
            if (keys.Required)
            {
                throttle.Failed(client);
                return LoginPage(assets, "That key is not valid.", StatusCodes.Status401Unauthorized);
            }
            return TypedResults.Redirect(Path + "/"); // Nothing to log in to: the API is open.
        }
        session.SignIn(http, key);
        http.Response.Headers.Location = Path + "/";
        return TypedResults.StatusCode(StatusCodes.Status303SeeOther);
    }

    /// <summary>True when the request may see the page: the API is open, or it carries a valid session or key.</summary>
    private static bool Authorized(HttpRequest request, ApiKeyFilter keys) =>
        !keys.Required || keys.Refusal(request, allowBasic: false) is null;

    private static FileContentHttpResult Page(DashboardAssets.Asset asset) => TypedResults.Bytes(asset.Bytes, asset.ContentType);

    private static ContentHttpResult LoginPage(DashboardAssets assets, string? error, int status)
    {
        var html = Encoding.UTF8.GetString(assets.Get("login.html").Bytes);
        // Only our fixed messages go into the page; nothing the client sent is reflected.
        html = html.Replace("<!--error-->", error is null ? "" : $"<p class=\"error\" role=\"alert\">{error}</p>", StringComparison.Ordinal);
        return TypedResults.Content(html, "text/html; charset=utf-8", Encoding.UTF8, status);
    }

    private static IResult CsrfRefusal() => Problems.Create(StatusCodes.Status403Forbidden, "Cross-site request refused",
        $"This request must come from the dashboard itself (same origin, {DashboardSession.CsrfHeader} header).", "csrf_check_failed");

    private static void Harden(HttpResponse response)
    {
        var headers = response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "same-origin";
        if (!headers.ContainsKey("Cache-Control"))
        {
            headers.CacheControl = "no-store";
        }
    }

    /// <summary>What <c>GET /dashboard/session</c> answers.</summary>
    public sealed record SessionDto(bool Required, bool Authenticated);
}
