using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;
using OmniActors.Errors;

namespace OmniActors.Silo.Api;

/// <summary>
/// Each route's largest request body. A route states its limit as endpoint metadata; the server enforces it while the
/// body is read (a chunked body included), and a body whose declared length is already over it is refused before
/// anything reads it. A route that states none gets <see cref="ApiOptions.MaxRequestBodyBytes"/>.
/// </summary>
internal static class RequestBodyLimits
{
    /// <summary>Bodies of settings (routes, webhook instances, identities, cancel and trigger): small records.</summary>
    public const long Settings = 64 * 1024;

    /// <summary>Bodies that carry one task's payload (enqueue, schedule template, approval decision): the payload limit and its envelope.</summary>
    public const long OneTask = 1024 * 1024;

    /// <summary>Sets <paramref name="bytes"/> as the largest body of the route.</summary>
    public static TBuilder WithBodyLimit<TBuilder>(this TBuilder builder, long bytes) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new BodyLimit(bytes));

    /// <summary>Refuses a body whose declared length is over its route's limit with a 413 problem, before the handler reads it.</summary>
    public static IApplicationBuilder UseRequestBodyLimits(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var limit = LimitOf(context);
        if (context.Request.ContentLength is { } declared && declared > limit)
        {
            throw new TaskValidationException(HttpCodes.RequestTooLarge, TooLargeDetail(context));
        }
        await next(context);
    });

    /// <summary>The problem detail of a body over its route's limit.</summary>
    public static string TooLargeDetail(HttpContext? context) =>
        context is null ? "The body is larger than this call accepts."
            : $"This call accepts a body of at most {LimitOf(context)} bytes.";

    private static long LimitOf(HttpContext context) =>
        Problems.EndpointOf(context)?.Metadata.GetMetadata<IRequestSizeLimitMetadata>()?.MaxRequestBodySize
        ?? context.RequestServices.GetRequiredService<IOptions<ApiOptions>>().Value.MaxRequestBodyBytes;

    private sealed record BodyLimit(long Bytes) : IRequestSizeLimitMetadata
    {
        public long? MaxRequestBodySize => Bytes;
    }
}
