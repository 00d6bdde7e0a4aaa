using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace OmniActors.Silo.Api;

/// <summary>Refuses management calls without a configured API key (constant-time comparison).</summary>
internal sealed class ApiKeyFilter(IOptions<ApiOptions> options, IHostEnvironment environment) : IEndpointFilter
{
    public const string HeaderName = "X-Api-Key";

    private readonly byte[][] _keys = options.Value.ApiKeys.Where(k => !string.IsNullOrEmpty(k)).Select(Encoding.UTF8.GetBytes).ToArray();
    private readonly bool _required = options.Value.RequireApiKey ?? !environment.IsDevelopment();

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (!_required)
        {
            return await next(context);
        }
        var presented = Presented(context.HttpContext.Request);
        if (presented is null)
        {
            return Problems.Create(StatusCodes.Status401Unauthorized, "API key required",
                $"Send the API key in the {HeaderName} header.", "api_key_missing");
        }
        var bytes = Encoding.UTF8.GetBytes(presented);
        var match = false;
        foreach (var key in _keys)
        {
            match |= CryptographicOperations.FixedTimeEquals(key, bytes);
        }
        return match ? await next(context)
            : Problems.Create(StatusCodes.Status401Unauthorized, "API key rejected", "The API key is not valid.", "api_key_invalid");
    }

    private static string? Presented(HttpRequest request)
    {
        if (request.Headers.TryGetValue(HeaderName, out var key) && !string.IsNullOrEmpty(key))
        {
            return key.ToString();
        }
        var auth = request.Headers.Authorization.ToString();
        return auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? auth["Bearer ".Length..].Trim() : null;
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
