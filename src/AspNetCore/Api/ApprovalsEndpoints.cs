using System.Text.Json;
using OmniActors.Errors;
using OmniActors.Tasks;
using TaskStatus = OmniActors.Tasks.TaskStatus;

namespace OmniActors.Silo.Api;

/// <summary><c>/api/approvals</c>: the approval queue and its four decisions (accept, modify, reject, take over).</summary>
internal static class ApprovalsEndpoints
{
    public static RouteGroupBuilder MapApprovals(this RouteGroupBuilder api)
    {
        var approvals = api.MapGroup("/approvals").WithTags("Approvals");
        approvals.MapGet("/", async (string? queue, int? limit, string? cursor, IGrainFactory grains) =>
        {
            var page = await grains.GetGrain<ITaskQueryGrain>(0).List(new TaskQuery
            {
                Queue = queue,
                Status = TaskStatus.AwaitingApproval,
                Limit = limit ?? 50,
                Cursor = cursor,
            });
            return new TaskPageDto(page.Items.Select(TaskDto.From).ToList(), page.NextCursor);
        }).WithName("ListApprovals").WithSummary("Tasks awaiting approval, newest first.");
        approvals.MapPost("/{taskId}/accept", (string taskId, DecisionRequest? body, IGrainFactory grains) =>
            Decide(grains, taskId, body, ApprovalAction.Accept)).WithBodyLimit(RequestBodyLimits.OneTask).WithName("AcceptTask");
        approvals.MapPost("/{taskId}/modify", (string taskId, DecisionRequest? body, IGrainFactory grains) =>
            Decide(grains, taskId, body, ApprovalAction.Modify)).WithBodyLimit(RequestBodyLimits.OneTask).WithName("ModifyTask").WithSummary("Replace the payload, then run.");
        approvals.MapPost("/{taskId}/reject", (string taskId, DecisionRequest? body, IGrainFactory grains) =>
            Decide(grains, taskId, body, ApprovalAction.Reject)).WithBodyLimit(RequestBodyLimits.OneTask).WithName("RejectTask");
        approvals.MapPost("/{taskId}/takeover", (string taskId, DecisionRequest? body, IGrainFactory grains) =>
            Decide(grains, taskId, body, ApprovalAction.TakeOver)).WithBodyLimit(RequestBodyLimits.OneTask).WithName("TakeOverTask").WithSummary("End it succeeded with a person's result.");
        return api;
    }

    /// <summary>A decision may carry a new payload (modify) or a result (take over), as large as a task's: <see cref="RequestBodyLimits.OneTask"/>.</summary>
    private static async Task<TaskDto> Decide(IGrainFactory grains, string taskId, DecisionRequest? body, ApprovalAction action)
    {
        var request = (body ?? throw new TaskValidationException("A JSON body with \"by\" is required.")).ToRequest(action);
        var grain = grains.GetGrain<ITaskGrain>(taskId);
        return TaskDto.From(await grain.Decide(request));
    }
}

/// <summary>Body of an approval decision.</summary>
public sealed record DecisionRequest
{
    /// <summary>Who decides.</summary>
    public string? By { get; init; }
    /// <summary>A comment.</summary>
    public string? Comment { get; init; }
    /// <summary>For reject: why.</summary>
    public string? Reason { get; init; }
    /// <summary>For modify: the new payload.</summary>
    public JsonElement? Payload { get; init; }
    /// <summary>For take over: the result.</summary>
    public JsonElement? Result { get; init; }

    /// <summary>The decision this body stands for.</summary>
    public ApprovalRequest ToRequest(ApprovalAction action) => new()
    {
        Action = action,
        By = By ?? "",
        Comment = action == ApprovalAction.Reject ? Reason ?? Comment : Comment,
        Payload = Payload is { ValueKind: not JsonValueKind.Undefined } p ? p.GetRawText() : null,
        Result = Result is { ValueKind: not JsonValueKind.Undefined } r ? r.GetRawText() : null,
    };
}
