using System.Text;
using System.Text.Json;
using OmniActors.Errors;
using OmniActors.Tasks;

namespace OmniActors.Domain;

/// <summary>Checks an approval decision and turns it into a lifecycle command. Pure.</summary>
public static class ApprovalRules
{
    /// <summary>Longest accepted "by" (who decided) and comment.</summary>
    public const int MaxByLength = 200;
    /// <summary>Longest accepted comment or reason.</summary>
    public const int MaxCommentLength = 4000;

    /// <summary>Null when the request is well-formed, else the error to return (nothing changes then).</summary>
    public static TaskValidationException? Validate(ApprovalRequest request, TaskLimits limits)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(limits);
        if (!Enum.IsDefined(request.Action))
        {
            return Invalid($"Unknown decision {request.Action}.");
        }
        if (string.IsNullOrWhiteSpace(request.By) || request.By.Length > MaxByLength)
        {
            return Invalid($"\"by\" (who decides) is required, 1 to {MaxByLength} characters.");
        }
        if (request.Comment is { Length: > MaxCommentLength })
        {
            return Invalid($"A comment or reason is at most {MaxCommentLength} characters.");
        }
        return request.Action switch
        {
            ApprovalAction.Reject when string.IsNullOrWhiteSpace(request.Comment) => Invalid("A rejection needs a \"reason\"."),
            ApprovalAction.Modify when request.Payload is null => Invalid("A modify needs the new \"payload\"."),
            ApprovalAction.Modify => Json(request.Payload, "payload", limits),
            ApprovalAction.TakeOver when request.Result is not null => Json(request.Result, "result", limits),
            _ => null,
        };
    }

    /// <summary>The lifecycle command a valid request stands for.</summary>
    public static TaskCommand CommandFor(ApprovalRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Action switch
        {
            ApprovalAction.Accept => new TaskCommand.Approve(request.By, request.Comment, null),
            ApprovalAction.Modify => new TaskCommand.Approve(request.By, request.Comment, request.Payload),
            ApprovalAction.Reject => new TaskCommand.Reject(request.By, request.Comment!),
            _ => new TaskCommand.TakeOver(request.By, request.Result, request.Comment),
        };
    }

    private static TaskValidationException? Json(string text, string field, TaskLimits limits)
    {
        var size = Encoding.UTF8.GetByteCount(text);
        if (size > limits.MaxPayloadBytes)
        {
            return new TaskValidationException(ErrorCodes.PayloadTooLarge, $"The {field} is {size} bytes; the limit is {limits.MaxPayloadBytes}.");
        }
        try
        {
            using var _ = JsonDocument.Parse(text);
            return null;
        }
        catch (JsonException ex)
        {
            return new TaskValidationException(ErrorCodes.MalformedPayload, $"The {field} is not valid JSON: {ex.Message}");
        }
    }

    private static TaskValidationException Invalid(string message) => new(ErrorCodes.Validation, message);
}
