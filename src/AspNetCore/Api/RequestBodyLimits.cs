using Microsoft.AspNetCore.Http.Features;
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

    /// <summary>The batch limit (<see cref="ApiOptions.MaxBatchBodyBytes"/>) of the app that maps <paramref name="routes"/>.</summary>
    public static long Batch(IEndpointRouteBuilder routes) =>
        routes.ServiceProvider.GetRequiredService<IOptions<ApiOptions>>().Value.MaxBatchBodyBytes;

    /// <summary>
    /// Most bytes of a refused body still read (and dropped) before the 413 is sent: a client that sends its whole body
    /// before reading the answer (most do, unless they ask <c>Expect: 100-continue</c>) would otherwise have its
    /// connection reset under it and see a network error instead of the problem. Beyond this, the reset it is.
    /// </summary>
    public const long MaxDrainBytes = 64L * 1024 * 1024;

    /// <summary>
    /// Sets <paramref name="bytes"/> as the largest body of the route (or of every route of a group that states none);
    /// a body over it is refused with <paramref name="code"/>.
    /// </summary>
    public static TBuilder WithBodyLimit<TBuilder>(this TBuilder builder, long bytes, string code = HttpCodes.RequestTooLarge) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new BodyLimit(bytes, code));

    /// <summary>Refuses a body whose declared length is over its route's limit with a 413 problem, before the handler reads it.</summary>
    public static IApplicationBuilder UseRequestBodyLimits(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var limit = LimitOf(context);
        if (context.Request.ContentLength is { } declared && declared > limit)
        {
            await DrainAsync(context, declared);
            var code = Problems.EndpointOf(context)?.Metadata.GetMetadata<BodyLimit>()?.Code ?? HttpCodes.RequestTooLarge;
            throw new TaskValidationException(code, TooLargeDetail(context));
        }
        await next(context);
    });

    private static async Task DrainAsync(HttpContext context, long declared)
    {
        if (declared > MaxDrainBytes || context.Features.Get<IHttpMaxRequestBodySizeFeature>() is not { IsReadOnly: false } size)
        {
            return;
        }
        size.MaxRequestBodySize = declared;
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            while (await context.Request.Body.ReadAsync(buffer, context.RequestAborted) > 0)
            {
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
        {
            // The client stopped sending; the answer may still reach it.
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The problem detail of a body over its route's limit.</summary>
    public static string TooLargeDetail(HttpContext? context) =>
        context is null ? "The body is larger than this call accepts."
            : $"This call accepts a body of at most {LimitOf(context)} bytes.";

    private static long LimitOf(HttpContext context) =>
        Problems.EndpointOf(context)?.Metadata.GetMetadata<IRequestSizeLimitMetadata>()?.MaxRequestBodySize
        ?? context.RequestServices.GetRequiredService<IOptions<ApiOptions>>().Value.MaxRequestBodyBytes;

    private sealed record BodyLimit(long Bytes, string Code) : IRequestSizeLimitMetadata
    {
        public long? MaxRequestBodySize => Bytes;
    }
}
