using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using OmniActors.Errors;

namespace OmniActors.Silo.Api;

/// <summary>RFC 9457 problem details, made in one place; every error carries a stable <c>code</c>.</summary>
internal static class Problems
{
    public static IResult Create(int status, string title, string detail, string code) =>
        TypedResults.Problem(new ProblemDetails
        {
            Status = status,
            Title = title,
            Detail = detail,
            Type = $"https://omniactors.dev/problems/{code.Replace('_', '-')}",
            Extensions = { ["code"] = code },
        });

    /// <summary>The status an error maps to.</summary>
    public static (int Status, string Title, string Code) Classify(Exception exception) => exception switch
    {
        TaskValidationException { Code: ErrorCodes.PayloadTooLarge } => (StatusCodes.Status413PayloadTooLarge, "Payload too large", ErrorCodes.PayloadTooLarge),
        TaskValidationException { Code: ErrorCodes.WorkflowCycle } => (StatusCodes.Status422UnprocessableEntity, "Workflow has a cycle", ErrorCodes.WorkflowCycle),
        TaskValidationException { Code: ErrorCodes.DependencyNotFound } => (StatusCodes.Status422UnprocessableEntity, "Unknown dependency", ErrorCodes.DependencyNotFound),
        TaskValidationException v => (StatusCodes.Status400BadRequest, "Invalid request", v.Code),
        NotFoundException => (StatusCodes.Status404NotFound, "Not found", ErrorCodes.NotFound),
        ConflictException c => (StatusCodes.Status409Conflict, "Conflict", c.Code),
        StorageUnavailableException => (StatusCodes.Status503ServiceUnavailable, "Storage unavailable", ErrorCodes.StorageUnavailable),
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => (StatusCodes.Status413PayloadTooLarge, "Request too large", "request_too_large"),
        BadHttpRequestException => (StatusCodes.Status400BadRequest, "Malformed request", "malformed_request"),
        TimeoutException or Orleans.Runtime.OrleansException => (StatusCodes.Status503ServiceUnavailable, "Cluster unavailable", ErrorCodes.ClusterUnavailable),
        OmniException o => (StatusCodes.Status500InternalServerError, "Server error", o.Code),
        _ => (StatusCodes.Status500InternalServerError, "Server error", ErrorCodes.Internal),
    };
}

/// <summary>Turns any exception escaping an endpoint into problem details.</summary>
internal sealed class ProblemExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title, code) = Problems.Classify(exception);
        httpContext.Response.StatusCode = status;
        var detail = status >= StatusCodes.Status500InternalServerError && exception is not OmniException
            ? "An unexpected error occurred." // Never leak internals of unknown failures.
            : exception.Message;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = new ProblemDetails
            {
                Status = status,
                Title = title,
                Detail = detail,
                Type = $"https://omniactors.dev/problems/{code.Replace('_', '-')}",
                Extensions = { ["code"] = code },
            },
        });
    }
}
