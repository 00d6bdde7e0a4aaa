using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using OmniActors.Errors;

namespace OmniActors.Silo.Api;

/// <summary>RFC 9457 problem details, made in one place; every error carries a stable <c>code</c>.</summary>
internal static partial class Problems
{
    /// <summary>The body's media type.</summary>
    public const string MediaType = "application/problem+json";

    public static IResult Create(int status, string title, string detail, string code) =>
        TypedResults.Problem(new ProblemDetails
        {
            Status = status,
            Title = title,
            Detail = detail,
            Type = TypeOf(code),
            Extensions = { ["code"] = code },
        });

    /// <summary>The problem type URI of a code.</summary>
    public static string TypeOf(string code) => $"https://omniactors.dev/problems/{code.Replace('_', '-')}";

    /// <summary>
    /// The code of a problem written without one (the framework's own: an unknown route, a wrong method, an empty-bodied
    /// status code): the status's reason phrase in snake case, e.g. 405 is <c>method_not_allowed</c>.
    /// </summary>
    public static string CodeOf(int status) => status switch
    {
        StatusCodes.Status400BadRequest => HttpCodes.MalformedRequest,
        StatusCodes.Status404NotFound => ErrorCodes.NotFound,
        StatusCodes.Status413PayloadTooLarge => HttpCodes.RequestTooLarge,
        StatusCodes.Status500InternalServerError => ErrorCodes.Internal,
        _ when ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase => phrase.ToLowerInvariant().Replace(' ', '_').Replace("-", "", StringComparison.Ordinal),
        _ => $"status_{status}",
    };

    /// <summary>The status, title, code and detail an error maps to; unknown failures never show their message.</summary>
    public static (int Status, string Title, string Code, string Detail) Classify(Exception exception, HttpContext? context = null) => exception switch
    {
        TaskValidationException { Code: ErrorCodes.PayloadTooLarge } v => (StatusCodes.Status413PayloadTooLarge, "Payload too large", ErrorCodes.PayloadTooLarge, v.Message),
        TaskValidationException { Code: HttpCodes.RequestTooLarge } v => (StatusCodes.Status413PayloadTooLarge, "Request too large", HttpCodes.RequestTooLarge, v.Message),
        TaskValidationException { Code: HttpCodes.UnsupportedMediaType } v => (StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", HttpCodes.UnsupportedMediaType, v.Message),
        TaskValidationException { Code: ErrorCodes.WorkflowCycle } v => (StatusCodes.Status422UnprocessableEntity, "Workflow has a cycle", ErrorCodes.WorkflowCycle, v.Message),
        TaskValidationException { Code: ErrorCodes.DependencyNotFound } v => (StatusCodes.Status422UnprocessableEntity, "Unknown dependency", ErrorCodes.DependencyNotFound, v.Message),
        TaskValidationException v => (StatusCodes.Status400BadRequest, "Invalid request", v.Code, v.Message),
        NotFoundException n => (StatusCodes.Status404NotFound, "Not found", ErrorCodes.NotFound, n.Message),
        ConflictException c => (StatusCodes.Status409Conflict, "Conflict", c.Code, c.Message),
        StorageUnavailableException s => (StatusCodes.Status503ServiceUnavailable, "Storage unavailable", ErrorCodes.StorageUnavailable, s.Message),
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => (StatusCodes.Status413PayloadTooLarge, "Request too large",
            HttpCodes.RequestTooLarge, RequestBodyLimits.TooLargeDetail(context)),
        BadHttpRequestException { StatusCode: StatusCodes.Status415UnsupportedMediaType } => (StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
            HttpCodes.UnsupportedMediaType, $"The body must be application/json; it was {ContentTypeOf(context)}."),
        BadHttpRequestException { InnerException: JsonException json } => (StatusCodes.Status400BadRequest, "Malformed request", HttpCodes.MalformedRequest,
            JsonBodyErrors.Describe(json, BoundBodyType(context))),
        BadHttpRequestException b => (StatusCodes.Status400BadRequest, "Malformed request", HttpCodes.MalformedRequest, BindingDetail(b.Message)),
        TimeoutException or Orleans.Runtime.OrleansException => (StatusCodes.Status503ServiceUnavailable, "Cluster unavailable", ErrorCodes.ClusterUnavailable,
            "The cluster did not answer in time; retrying (with an idempotency key) is safe."),
        OmniException o => (StatusCodes.Status500InternalServerError, "Server error", o.Code, o.Message),
        _ => (StatusCodes.Status500InternalServerError, "Server error", ErrorCodes.Internal, "An unexpected error occurred; the traceId leads to it in the silo's log."),
    };

    public static string ContentTypeOf(HttpContext? context) =>
        context?.Request.ContentType is { Length: > 0 } type ? $"'{(type.Length > 60 ? type[..60] + "…" : type)}'" : "not given";

    private static Type? BoundBodyType(HttpContext? context) => EndpointOf(context)?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType;

    /// <summary>The request's endpoint, also once the exception handler has cleared it (it keeps it in its feature).</summary>
    public static Endpoint? EndpointOf(HttpContext? context) =>
        context?.GetEndpoint() ?? context?.Features.Get<IExceptionHandlerFeature>()?.Endpoint;

    /// <summary>The framework's binding message (<c>Failed to bind parameter "int? limit" from "many".</c>) in the API's words.</summary>
    private static string BindingDetail(string message)
    {
        var bind = BindFailure().Match(message);
        if (bind.Success)
        {
            var value = bind.Groups["value"].Value;
            return $"\"{bind.Groups["name"].Value}\" must be {JsonBodyErrors.Expected(bind.Groups["type"].Value)}; got '{(value.Length > 40 ? value[..40] + "…" : value)}'.";
        }
        var required = RequiredMissing().Match(message);
        return required.Success ? $"\"{required.Groups["name"].Value}\" is required." : "The request could not be read.";
    }

    [GeneratedRegex("""^Failed to bind parameter "(?<type>[^ "]+) (?<name>[^"]+)" from "(?<value>.*)"\.$""", RegexOptions.Singleline)]
    private static partial Regex BindFailure();

    [GeneratedRegex("""^Required parameter "[^ "]+ (?<name>[^"]+)" was not provided""")]
    private static partial Regex RequiredMissing();
}

/// <summary>Codes of problems that only the HTTP edge raises.</summary>
internal static class HttpCodes
{
    /// <summary>The request (body, query value, header) could not be read as the call expects.</summary>
    public const string MalformedRequest = "malformed_request";
    /// <summary>The body is larger than the route accepts.</summary>
    public const string RequestTooLarge = "request_too_large";
    /// <summary>The body is not JSON (text, a form, XML).</summary>
    public const string UnsupportedMediaType = "unsupported_media_type";
    /// <summary>A path segment is blank, too long or holds control characters.</summary>
    public const string InvalidPathValue = "invalid_path_value";
    /// <summary>A name (queue, provider, instance, schedule) breaks the shared name syntax.</summary>
    public const string InvalidName = "invalid_name";
    /// <summary>The client went away before the answer.</summary>
    public const string ClientClosedRequest = "client_closed_request";
}

/// <summary>Turns any exception escaping an endpoint into problem details.</summary>
internal sealed class ProblemExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    /// <summary>nginx's status for a request its client abandoned: nobody reads it, the log says what happened.</summary>
    private const int ClientClosedRequest = 499;

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var (status, title, code, detail) = exception is OperationCanceledException && httpContext.RequestAborted.IsCancellationRequested
            ? (ClientClosedRequest, "Client closed request", HttpCodes.ClientClosedRequest, "The client went away before the answer.")
            : Problems.Classify(exception, httpContext);
        httpContext.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = new ProblemDetails
            {
                Status = status,
                Title = title,
                Detail = detail,
                Type = Problems.TypeOf(code),
                Extensions = { ["code"] = code },
            },
        });
    }
}

/// <summary>
/// Writes every problem of the silo (ours, the exception handler's, the framework's empty-bodied status codes): fills in
/// a <c>code</c> and the <c>traceId</c> when missing, logs each 5xx at Error with its trace id, and answers JSON whatever
/// the request's <c>Accept</c> asked for (an event-stream client must still learn why it was refused).
/// </summary>
internal sealed partial class ProblemWriter(IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, ILogger<ProblemWriter> logger) : IProblemDetailsWriter
{
    public bool CanWrite(ProblemDetailsContext context) => true;

    public async ValueTask WriteAsync(ProblemDetailsContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var http = context.HttpContext;
        var problem = context.ProblemDetails;
        var status = problem.Status ?? http.Response.StatusCode;
        problem.Status = status;
        var code = problem.Extensions.TryGetValue("code", out var given) && given is string { Length: > 0 } c ? c : Problems.CodeOf(status);
        problem.Extensions["code"] = code;
        problem.Type ??= Problems.TypeOf(code);
        problem.Title ??= ReasonPhrases.GetReasonPhrase(status);
        problem.Detail ??= DefaultDetail(http, status);
        var traceId = Activity.Current?.Id ?? http.TraceIdentifier;
        problem.Extensions["traceId"] = traceId;
        if (status >= StatusCodes.Status500InternalServerError)
        {
            ServerError(logger, context.Exception, status, code, http.Request.Method, http.Request.Path.Value ?? "", traceId);
        }
        else if (context.Exception is { } refused)
        {
            Refused(logger, status, code, http.Request.Method, http.Request.Path.Value ?? "", traceId, refused.Message);
        }
        http.Response.StatusCode = status;
        http.Response.ContentType = Problems.MediaType;
        await JsonSerializer.SerializeAsync(http.Response.Body, problem, problem.GetType(), json.Value.SerializerOptions, http.RequestAborted);
    }

    /// <summary>What the framework's own refusals (routing, content type) mean, as they come without a detail.</summary>
    private static string? DefaultDetail(HttpContext http, int status) => status switch
    {
        StatusCodes.Status404NotFound => $"No route answers {http.Request.Method} {Names.Shorten(http.Request.Path.Value ?? "/")}.",
        StatusCodes.Status405MethodNotAllowed => $"{Names.Shorten(http.Request.Path.Value ?? "/")} does not take {http.Request.Method}.",
        StatusCodes.Status415UnsupportedMediaType => $"The body must be application/json; it was {Problems.ContentTypeOf(http)}.",
        _ => null,
    };

    [LoggerMessage(Level = LogLevel.Error, Message = "HTTP {Status} {Code} on {Method} {Path} (trace {TraceId})")]
    private static partial void ServerError(ILogger logger, Exception? exception, int status, string code, string method, string path, string traceId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "HTTP {Status} {Code} on {Method} {Path} (trace {TraceId}): {Detail}")]
    private static partial void Refused(ILogger logger, int status, string code, string method, string path, string traceId, string detail);
}
