using System.Diagnostics;
using System.Text.Json;
using OmniActors.Errors;
using OmniActors.Queues;
using OmniActors.Schedules;
using OmniActors.Tasks;
using OmniActors.Workflows;
using TaskStatus = OmniActors.Tasks.TaskStatus;

namespace OmniActors.Client;

/// <summary>Typed access to an OmniActors cluster. Rejected input surfaces as <see cref="TaskValidationException"/>,
/// a missing task as <see cref="NotFoundException"/>, a state conflict as <see cref="ConflictException"/>.</summary>
public interface IOmniClient
{
    /// <summary>Enqueues a task; with an idempotency key, a repeat returns the first task (<see cref="SubmitResult.Created"/> false).</summary>
    Task<SubmitResult> EnqueueAsync(TaskSpec spec, CancellationToken cancellationToken = default);

    /// <summary>Enqueues <paramref name="action"/> with <paramref name="payload"/> serialized as JSON.</summary>
    Task<SubmitResult> EnqueueAsync(string action, object? payload, string? queue = null, int priority = 0, CancellationToken cancellationToken = default);

    /// <summary>Enqueues many tasks in one call; each item succeeds or fails on its own.</summary>
    Task<IReadOnlyList<BatchItemResult>> EnqueueBatchAsync(IReadOnlyList<TaskSpec> specs, CancellationToken cancellationToken = default);

    /// <summary>The task, or null.</summary>
    Task<TaskInfo?> GetAsync(string taskId, CancellationToken cancellationToken = default);

    /// <summary>A page of tasks, newest first.</summary>
    Task<TaskPage> ListAsync(TaskQuery query, CancellationToken cancellationToken = default);

    /// <summary>Waits until the task ends or <paramref name="timeout"/> passes, then returns its state.</summary>
    Task<TaskInfo> WaitAsync(string taskId, TimeSpan timeout, CancellationToken cancellationToken = default);

    /// <summary>Waits for success and deserializes the result; throws <see cref="TaskFailedException"/> if it ended otherwise.</summary>
    Task<T?> GetResultAsync<T>(string taskId, TimeSpan timeout, CancellationToken cancellationToken = default);

    /// <summary>Cancels a pending or running task.</summary>
    Task<TaskInfo> CancelAsync(string taskId, string? reason = null, CancellationToken cancellationToken = default);

    /// <summary>A page of dead letters.</summary>
    Task<TaskPage> ListDeadLettersAsync(string? queue = null, int limit = 50, string? cursor = null, CancellationToken cancellationToken = default);

    /// <summary>Requeues one dead letter with fresh attempts.</summary>
    Task<TaskInfo> RequeueDeadLetterAsync(string taskId, CancellationToken cancellationToken = default);

    /// <summary>Requeues every dead letter of a queue (or of all); returns how many.</summary>
    Task<int> RequeueDeadLettersAsync(string? queue = null, CancellationToken cancellationToken = default);

    /// <summary>Deletes one dead letter.</summary>
    Task PurgeDeadLetterAsync(string taskId, CancellationToken cancellationToken = default);

    /// <summary>Deletes every dead letter of a queue (or of all); returns how many.</summary>
    Task<int> PurgeDeadLettersAsync(string? queue = null, CancellationToken cancellationToken = default);

    /// <summary>Stops dispatching a queue (running tasks finish).</summary>
    Task PauseQueueAsync(string queue, CancellationToken cancellationToken = default);

    /// <summary>Resumes a paused queue.</summary>
    Task ResumeQueueAsync(string queue, CancellationToken cancellationToken = default);

    /// <summary>A queue's live figures.</summary>
    Task<QueueStats> GetQueueStatsAsync(string queue, CancellationToken cancellationToken = default);

    /// <summary>Known queue names.</summary>
    Task<IReadOnlyList<string>> ListQueuesAsync(CancellationToken cancellationToken = default);

    /// <summary>Creates or updates schedule <paramref name="name"/>; a changed timetable restarts from now.</summary>
    Task<ScheduleUpsertResult> UpsertScheduleAsync(string name, ScheduleSpec spec, CancellationToken cancellationToken = default);

    /// <summary>The schedule, or null.</summary>
    Task<ScheduleInfo?> GetScheduleAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Every schedule with its next fire time, by name.</summary>
    Task<IReadOnlyList<ScheduleInfo>> ListSchedulesAsync(CancellationToken cancellationToken = default);

    /// <summary>Stops a schedule firing; fires that come due meanwhile are misfires on resume.</summary>
    Task<ScheduleInfo> PauseScheduleAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Lets a paused schedule fire again; missed fires follow its misfire policy.</summary>
    Task<ScheduleInfo> ResumeScheduleAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Fires a schedule now; with <paramref name="fireTime"/>, as the fire of that time (repeats make no second task).</summary>
    Task<ScheduleFire> TriggerScheduleAsync(string name, DateTimeOffset? fireTime = null, CancellationToken cancellationToken = default);

    /// <summary>Deletes a schedule and its history (its tasks are not touched).</summary>
    Task DeleteScheduleAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>A schedule's recent fires, newest first.</summary>
    Task<IReadOnlyList<ScheduleFire>> GetScheduleHistoryAsync(string name, int limit = 100, CancellationToken cancellationToken = default);

    /// <summary>Submits a graph of tasks; a cycle (code <c>workflow_cycle</c>), a bad node or a missing dependency refuses it whole.</summary>
    Task<WorkflowInfo> SubmitWorkflowAsync(WorkflowSpec spec, CancellationToken cancellationToken = default);

    /// <summary>The workflow with each node's state, or null.</summary>
    Task<WorkflowInfo?> GetWorkflowAsync(string workflowId, CancellationToken cancellationToken = default);

    /// <summary>Cancels every node of the workflow that has not ended.</summary>
    Task<WorkflowInfo> CancelWorkflowAsync(string workflowId, string? reason = null, CancellationToken cancellationToken = default);

    /// <summary>A page of the approval queue (tasks awaiting approval), newest first.</summary>
    Task<TaskPage> ListApprovalsAsync(string? queue = null, int limit = 50, string? cursor = null, CancellationToken cancellationToken = default);

    /// <summary>Accepts a task awaiting approval: it runs. A task not awaiting approval is a <see cref="ConflictException"/>.</summary>
    Task<TaskInfo> AcceptAsync(string taskId, string by, string? comment = null, CancellationToken cancellationToken = default);

    /// <summary>Replaces the payload (JSON) of a task awaiting approval, then runs it.</summary>
    Task<TaskInfo> ModifyAsync(string taskId, string by, string payloadJson, string? comment = null, CancellationToken cancellationToken = default);

    /// <summary>Rejects a task awaiting approval: it ends rejected with <paramref name="reason"/>.</summary>
    Task<TaskInfo> RejectAsync(string taskId, string by, string reason, CancellationToken cancellationToken = default);

    /// <summary>A person completed the task: it ends succeeded with <paramref name="resultJson"/>.</summary>
    Task<TaskInfo> TakeOverAsync(string taskId, string by, string? resultJson, string? comment = null, CancellationToken cancellationToken = default);

    /// <summary>The circuit breaker of an action (closed and disabled when the action has none).</summary>
    Task<OmniActors.Breakers.BreakerInfo> GetBreakerAsync(string action, CancellationToken cancellationToken = default);
}

/// <summary>A task ended without success while a caller waited for its result.</summary>
public sealed class TaskFailedException : Exception
{
    /// <summary>Creates it from the ended task.</summary>
    public TaskFailedException(TaskInfo task)
        : base($"Task {task?.Id} ended {task?.Status}: {task?.LastError?.Message ?? task?.CancelReason}") => Task = task;

    /// <summary>Creates it.</summary>
    public TaskFailedException() : base("The task did not succeed.") { }

    /// <summary>Creates it.</summary>
    public TaskFailedException(string message) : base(message) { }

    /// <summary>Creates it.</summary>
    public TaskFailedException(string message, Exception? inner) : base(message, inner) { }

    /// <summary>The task as it ended.</summary>
    public TaskInfo? Task { get; }
}

/// <summary>The <see cref="IOmniClient"/> over Orleans grain calls.</summary>
public sealed class OmniClient(IGrainFactory grains) : IOmniClient
{
    private static readonly TimeSpan MaxWaitPerCall = TimeSpan.FromSeconds(20);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Intake keys the client spreads its enqueues over: the intake is a stateless worker, and a client sends the
    /// calls of one grain id to one gateway, so a single key would funnel every enqueue through one silo.</summary>
    private const int IntakeKeys = 64;

    private ITaskIntakeGrain Intake => grains.GetGrain<ITaskIntakeGrain>(Random.Shared.Next(IntakeKeys));
    private ITaskQueryGrain Query => grains.GetGrain<ITaskQueryGrain>(0);

    /// <inheritdoc />
    public Task<SubmitResult> EnqueueAsync(TaskSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        // The caller's trace (when its Activity is recorded) goes with the task, so its attempts join it.
        return Intake.Submit(TaskTrace.WithCurrentContext(spec));
    }

    /// <inheritdoc />
    public Task<SubmitResult> EnqueueAsync(string action, object? payload, string? queue = null, int priority = 0, CancellationToken cancellationToken = default) =>
        EnqueueAsync(new TaskSpec { Action = action, Payload = JsonSerializer.Serialize(payload, Json), Queue = queue, Priority = priority }, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<BatchItemResult>> EnqueueBatchAsync(IReadOnlyList<TaskSpec> specs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(specs);
        return Intake.SubmitBatch(Activity.Current is { Recorded: true } ? specs.Select(TaskTrace.WithCurrentContext).ToList() : specs);
    }

    /// <inheritdoc />
    public Task<TaskInfo?> GetAsync(string taskId, CancellationToken cancellationToken = default) => Task(taskId).Get();

    /// <inheritdoc />
    public Task<TaskPage> ListAsync(TaskQuery query, CancellationToken cancellationToken = default) => Query.List(query);

    /// <inheritdoc />
    public async Task<TaskInfo> WaitAsync(string taskId, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        var grain = Task(taskId);
        var task = await grain.Get() ?? throw new NotFoundException($"Task {taskId} does not exist.");
        while (!task.Status.IsTerminal() && DateTimeOffset.UtcNow < deadline)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var left = deadline - DateTimeOffset.UtcNow;
            task = await grain.WaitForEnd(left < MaxWaitPerCall ? left : MaxWaitPerCall) ?? task;
        }
        return task;
    }

    /// <inheritdoc />
    public async Task<T?> GetResultAsync<T>(string taskId, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var task = await WaitAsync(taskId, timeout, cancellationToken);
        if (task.Status == TaskStatus.Succeeded)
        {
            return task.Result is null ? default : JsonSerializer.Deserialize<T>(task.Result, Json);
        }
        if (task.Status.IsTerminal())
        {
            throw new TaskFailedException(task);
        }
        throw new TimeoutException($"Task {taskId} is still {task.Status} after {timeout}.");
    }

    /// <inheritdoc />
    public Task<TaskInfo> CancelAsync(string taskId, string? reason = null, CancellationToken cancellationToken = default) => Task(taskId).Cancel(reason);

    /// <inheritdoc />
    public Task<TaskPage> ListDeadLettersAsync(string? queue = null, int limit = 50, string? cursor = null, CancellationToken cancellationToken = default) =>
        Query.List(new TaskQuery { Queue = queue, Status = TaskStatus.DeadLettered, Limit = limit, Cursor = cursor });

    /// <inheritdoc />
    public Task<TaskInfo> RequeueDeadLetterAsync(string taskId, CancellationToken cancellationToken = default) => Task(taskId).Requeue();

    /// <inheritdoc />
    public Task<int> RequeueDeadLettersAsync(string? queue = null, CancellationToken cancellationToken = default) => Query.RequeueDeadLetters(queue);

    /// <inheritdoc />
    public Task PurgeDeadLetterAsync(string taskId, CancellationToken cancellationToken = default) => Task(taskId).Purge();

    /// <inheritdoc />
    public Task<int> PurgeDeadLettersAsync(string? queue = null, CancellationToken cancellationToken = default) => Query.PurgeDeadLetters(queue);

    /// <inheritdoc />
    public Task PauseQueueAsync(string queue, CancellationToken cancellationToken = default) => grains.GetGrain<IQueueGrain>(queue).Pause();

    /// <inheritdoc />
    public Task ResumeQueueAsync(string queue, CancellationToken cancellationToken = default) => grains.GetGrain<IQueueGrain>(queue).Resume();

    /// <inheritdoc />
    public Task<QueueStats> GetQueueStatsAsync(string queue, CancellationToken cancellationToken = default) => grains.GetGrain<IQueueGrain>(queue).GetStats();

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> ListQueuesAsync(CancellationToken cancellationToken = default) => Query.ListQueues();

    /// <inheritdoc />
    public Task<ScheduleUpsertResult> UpsertScheduleAsync(string name, ScheduleSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return Schedule(name).Upsert(spec);
    }

    /// <inheritdoc />
    public Task<ScheduleInfo?> GetScheduleAsync(string name, CancellationToken cancellationToken = default) => Schedule(name).Get();

    /// <inheritdoc />
    public async Task<IReadOnlyList<ScheduleInfo>> ListSchedulesAsync(CancellationToken cancellationToken = default)
    {
        var names = await grains.GetGrain<IScheduleIndexGrain>(0).List();
        var schedules = await System.Threading.Tasks.Task.WhenAll(names.Select(n => grains.GetGrain<IScheduleGrain>(n).Get()));
        return schedules.OfType<ScheduleInfo>().ToList();
    }

    /// <inheritdoc />
    public Task<ScheduleInfo> PauseScheduleAsync(string name, CancellationToken cancellationToken = default) => Schedule(name).Pause();

    /// <inheritdoc />
    public Task<ScheduleInfo> ResumeScheduleAsync(string name, CancellationToken cancellationToken = default) => Schedule(name).Resume();

    /// <inheritdoc />
    public Task<ScheduleFire> TriggerScheduleAsync(string name, DateTimeOffset? fireTime = null, CancellationToken cancellationToken = default) =>
        Schedule(name).Trigger(fireTime);

    /// <inheritdoc />
    public Task DeleteScheduleAsync(string name, CancellationToken cancellationToken = default) => Schedule(name).Delete();

    /// <inheritdoc />
    public Task<IReadOnlyList<ScheduleFire>> GetScheduleHistoryAsync(string name, int limit = 100, CancellationToken cancellationToken = default) =>
        Schedule(name).GetHistory(limit);

    /// <inheritdoc />
    public Task<WorkflowInfo> SubmitWorkflowAsync(WorkflowSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (Activity.Current is { Recorded: true })
        {
            spec = spec with { Nodes = spec.Nodes.Select(n => n with { Task = TaskTrace.WithCurrentContext(n.Task) }).ToList() };
        }
        return Workflows.Submit(spec);
    }

    /// <inheritdoc />
    public Task<WorkflowInfo?> GetWorkflowAsync(string workflowId, CancellationToken cancellationToken = default) => Workflows.Get(WorkflowId(workflowId));

    /// <inheritdoc />
    public Task<WorkflowInfo> CancelWorkflowAsync(string workflowId, string? reason = null, CancellationToken cancellationToken = default) =>
        Workflows.Cancel(WorkflowId(workflowId), reason);

    /// <inheritdoc />
    public Task<TaskPage> ListApprovalsAsync(string? queue = null, int limit = 50, string? cursor = null, CancellationToken cancellationToken = default) =>
        Query.List(new TaskQuery { Queue = queue, Status = TaskStatus.AwaitingApproval, Limit = limit, Cursor = cursor });

    /// <inheritdoc />
    public Task<TaskInfo> AcceptAsync(string taskId, string by, string? comment = null, CancellationToken cancellationToken = default) =>
        Task(taskId).Decide(new ApprovalRequest { Action = ApprovalAction.Accept, By = by, Comment = comment });

    /// <inheritdoc />
    public Task<TaskInfo> ModifyAsync(string taskId, string by, string payloadJson, string? comment = null, CancellationToken cancellationToken = default) =>
        Task(taskId).Decide(new ApprovalRequest { Action = ApprovalAction.Modify, By = by, Payload = payloadJson, Comment = comment });

    /// <inheritdoc />
    public Task<TaskInfo> RejectAsync(string taskId, string by, string reason, CancellationToken cancellationToken = default) =>
        Task(taskId).Decide(new ApprovalRequest { Action = ApprovalAction.Reject, By = by, Comment = reason });

    /// <inheritdoc />
    public Task<TaskInfo> TakeOverAsync(string taskId, string by, string? resultJson, string? comment = null, CancellationToken cancellationToken = default) =>
        Task(taskId).Decide(new ApprovalRequest { Action = ApprovalAction.TakeOver, By = by, Result = resultJson, Comment = comment });

    /// <inheritdoc />
    public Task<OmniActors.Breakers.BreakerInfo> GetBreakerAsync(string action, CancellationToken cancellationToken = default) =>
        string.IsNullOrWhiteSpace(action) || action.Length > 200
            ? throw new TaskValidationException("An action name is 1 to 200 characters.")
            : grains.GetGrain<OmniActors.Breakers.ICircuitBreakerGrain>(action).Get();

    private IWorkflowGrain Workflows => grains.GetGrain<IWorkflowGrain>(0);

    private static string WorkflowId(string workflowId) =>
        string.IsNullOrWhiteSpace(workflowId) || workflowId.Length > 200
            ? throw new TaskValidationException("A workflow id is 1 to 200 characters.")
            : workflowId;

    private IScheduleGrain Schedule(string name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 200)
        {
            throw new TaskValidationException("A schedule name is 1 to 200 characters.");
        }
        return grains.GetGrain<IScheduleGrain>(name);
    }

    private ITaskGrain Task(string taskId)
    {
        if (string.IsNullOrWhiteSpace(taskId) || taskId.Length > 200)
        {
            throw new TaskValidationException("A task id is 1 to 200 characters.");
        }
        return grains.GetGrain<ITaskGrain>(taskId);
    }
}
