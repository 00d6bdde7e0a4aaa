using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OmniActors.Actions;
using OmniActors.Tasks;
using OmniActors.Tracing;
using Orleans.Runtime;

namespace OmniActors.Running;

/// <summary>One attempt handed to the runner; <paramref name="Partition"/> is the key of the partition that started it on the
/// batch path (its outcome goes back there, batched), null when its task grain started it.</summary>
internal sealed record RunRequest(string TaskId, string Queue, string Action, int Attempt, string Payload, TimeSpan Timeout,
    IReadOnlyList<DependencyResult>? Dependencies = null, string? Partition = null, string? TraceParent = null, string? TraceState = null)
{
    /// <summary>The attempt <paramref name="running"/> (a task just started) asks for.</summary>
    public static RunRequest For(TaskInfo running, IReadOnlyList<DependencyResult>? dependencies = null, string? partition = null) =>
        new(running.Id, running.Queue, running.Action, running.Attempt, running.Payload, running.Timeout, dependencies, partition,
            running.TraceParent, running.TraceState);
}

/// <summary>
/// Runs handlers outside grain turns, on the thread pool, bounded per silo. A handler may block or burn CPU
/// without holding its grain: cancel and heartbeat still get in. Reports each outcome back to the task grain,
/// renews leases of long attempts, and on shutdown drains, then cancels and requeues what is left.
/// </summary>
internal sealed partial class TaskRunner : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private readonly ConcurrentDictionary<string, Execution> _running = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _workers;
    private readonly IServiceProvider _services;
    private readonly TaskGrainReferences _references;
    private readonly PartitionReports _reports;
    private readonly ActionRegistry _actions;
    private readonly RunnerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<TaskRunner> _logger;
    private readonly string _silo;
    private volatile bool _accepting = true;
    private Task? _heartbeats;

    public TaskRunner(IServiceProvider services, TaskGrainReferences references, PartitionReports reports, ActionRegistry actions,
        IOptions<RunnerOptions> options, ILocalSiloDetails silo, TimeProvider time, ILogger<TaskRunner> logger)
    {
        _reports = reports;
        _silo = silo.SiloAddress.ToParsableString();
        _services = services;
        _references = references;
        _actions = actions;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _workers = new SemaphoreSlim(_options.MaxConcurrency, _options.MaxConcurrency);
    }

    /// <summary>False once the silo began to stop.</summary>
    public bool Accepting => _accepting;

    /// <summary>The lease a started attempt gets.</summary>
    public TimeSpan LeaseDuration => _options.LeaseDuration;

    /// <summary>Attempts executing or waiting for a worker here.</summary>
    public int Count => _running.Count;

    /// <summary>Starts an attempt in the background; false when this silo takes no more work.</summary>
    public bool TryStart(RunRequest request)
    {
        if (!_accepting)
        {
            return false;
        }
        var execution = new Execution(request, _time.GetUtcNow());
        // A finished attempt may still be reporting when its retry starts here: the newer attempt wins the entry.
        var stored = _running.AddOrUpdate(request.TaskId, execution,
            (_, existing) => existing.Request.Attempt < request.Attempt ? execution : existing);
        if (!ReferenceEquals(stored, execution))
        {
            return false;
        }
        _ = Task.Run(() => ExecuteAsync(execution));
        return true;
    }

    /// <summary>True while that attempt runs here.</summary>
    public bool IsRunning(string taskId, int attempt) =>
        _running.TryGetValue(taskId, out var e) && e.Request.Attempt == attempt;

    /// <summary>Fires the attempt's cancellation token.</summary>
    public bool Cancel(string taskId, int attempt)
    {
        if (!_running.TryGetValue(taskId, out var e) || e.Request.Attempt != attempt)
        {
            return false;
        }
        e.Cancelled.Cancel();
        return true;
    }

    private async Task ExecuteAsync(Execution e)
    {
        var request = e.Request;
        // Every log line of the attempt, the handler's own included (the scope flows into it), carries the task's fields.
        using var logScope = AttemptScope(_logger, request.TaskId, request.Queue, request.Action, request.Attempt);
        // The attempt's Activity (a child of the context stored at enqueue) is current while the handler runs.
        var activity = OmniActivities.StartAttempt(request, _silo);
        AttemptOutcome outcome;
        var acquired = false;
        using var timeout = new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(e.Cancelled.Token, timeout.Token, _stopping.Token);
        try
        {
            await _workers.WaitAsync(linked.Token);
            acquired = true;
            timeout.CancelAfter(request.Timeout);
            var registration = _actions.Find(request.Action)
                ?? throw new NonRetryableException($"Action '{request.Action}' is not registered on this silo.");
            await using var scope = _services.CreateAsyncScope();
            var handler = (IActionHandler)scope.ServiceProvider.GetRequiredService(registration.HandlerType);
            var context = new ActionContext(request.TaskId, request.Queue, request.Action, request.Attempt, request.Payload, _silo,
                () => HeartbeatAsync(e), linked.Token) { Dependencies = request.Dependencies ?? [] };
            // Task.Run: a handler that blocks before its first await must not block this loop.
            var work = Task.Run(() => handler.ExecuteAsync(context), CancellationToken.None);
            var result = await work.WaitAsync(request.Timeout + _options.CancellationGrace, _time, CancellationToken.None);
            outcome = new AttemptOutcome { Attempt = request.Attempt, Kind = AttemptOutcomeKind.Succeeded, Result = result?.ToJsonString() };
        }
        catch (Exception ex)
        {
            outcome = Classify(request, ex, e.Cancelled.IsCancellationRequested, _stopping.IsCancellationRequested,
                timeout.IsCancellationRequested || ex is TimeoutException);
        }
        finally
        {
            if (acquired)
            {
                _workers.Release();
            }
        }
        OmniActivities.Ended(activity, outcome);
        activity?.Dispose();
        await ReportAsync(request, outcome);
        _running.TryRemove(new KeyValuePair<string, Execution>(request.TaskId, e));
        e.Cancelled.Dispose();
    }

    private static readonly Func<ILogger, string, string, string, int, IDisposable?> AttemptScope =
        LoggerMessage.DefineScope<string, string, string, int>("Task {TaskId} in queue {Queue} (action {Action}, attempt {Attempt})");

    private static AttemptOutcome Classify(RunRequest request, Exception ex, bool cancelled, bool stopping, bool timedOut)
    {
        if (cancelled)
        {
            return new AttemptOutcome { Attempt = request.Attempt, Kind = AttemptOutcomeKind.Cancelled };
        }
        if (stopping)
        {
            return new AttemptOutcome { Attempt = request.Attempt, Kind = AttemptOutcomeKind.Interrupted };
        }
        if (timedOut)
        {
            return new AttemptOutcome
            {
                Attempt = request.Attempt,
                Kind = AttemptOutcomeKind.TimedOut,
                ErrorType = TaskError.TimeoutType,
                ErrorMessage = $"The attempt ran longer than its timeout of {request.Timeout}.",
            };
        }
        return new AttemptOutcome
        {
            Attempt = request.Attempt,
            Kind = AttemptOutcomeKind.Failed,
            ErrorType = ex.GetType().FullName ?? ex.GetType().Name,
            ErrorMessage = ex.Message,
            NonRetryable = ex is NonRetryableException,
        };
    }

    /// <summary>Reports with retries: a lost report is recovered by the lease anyway, but costs an attempt.</summary>
    private async Task ReportAsync(RunRequest request, AttemptOutcome outcome)
    {
        if (request.Partition is { } partition)
        {
            await _reports.ReportAsync(partition, request.TaskId, outcome);
            return;
        }
        var delay = TimeSpan.FromMilliseconds(100);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await _references.Task(request.TaskId).ReportOutcome(outcome);
                return;
            }
            catch (Exception ex) when (attempt < 8)
            {
                LogReportRetry(ex, request.TaskId, attempt);
                await Task.Delay(delay, _time);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
            catch (Exception ex)
            {
                LogReportLost(ex, request.TaskId);
                return;
            }
        }
    }

    private async Task<bool> HeartbeatAsync(Execution e)
    {
        e.LastBeat = _time.GetUtcNow();
        var current = await _references.Task(e.Request.TaskId).Heartbeat(e.Request.Attempt);
        if (!current)
        {
            try
            {
                e.Cancelled.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The attempt finished while the heartbeat was in flight: nothing left to cancel.
            }
        }
        return current;
    }

    private async Task RenewLeasesAsync(CancellationToken cancellationToken)
    {
        var period = _options.LeaseDuration / 3;
        using var timer = new PeriodicTimer(period, _time);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            var now = _time.GetUtcNow();
            foreach (var e in _running.Values.Where(e => now - e.LastBeat >= period).ToList())
            {
                try
                {
                    await HeartbeatAsync(e);
                }
                catch (Exception ex)
                {
                    LogHeartbeatFailed(ex, e.Request.TaskId);
                }
            }
        }
    }

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(TaskRunner), ServiceLifecycleStage.Active, OnStart, OnStop);

    private Task OnStart(CancellationToken cancellationToken)
    {
        _heartbeats = Task.Run(() => RenewLeasesAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>Graceful stop: take no work, let handlers finish within the drain timeout, then cancel them (requeued, attempt not counted).</summary>
    private async Task OnStop(CancellationToken cancellationToken)
    {
        _accepting = false;
        LogDraining(_running.Count);
        var deadline = _time.GetUtcNow() + _options.DrainTimeout;
        while (!_running.IsEmpty && _time.GetUtcNow() < deadline && !cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), _time, CancellationToken.None);
        }
        await _stopping.CancelAsync();
        var reportDeadline = _time.GetUtcNow() + _options.CancellationGrace + TimeSpan.FromSeconds(5);
        while (!_running.IsEmpty && _time.GetUtcNow() < reportDeadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), _time, CancellationToken.None);
        }
        if (_heartbeats is { } heartbeats)
        {
            await heartbeats.ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    public void Dispose()
    {
        _stopping.Dispose();
        _workers.Dispose();
    }

    private sealed class Execution(RunRequest request, DateTimeOffset startedAt)
    {
        public RunRequest Request { get; } = request;
        public CancellationTokenSource Cancelled { get; } = new();
        public DateTimeOffset LastBeat { get; set; } = startedAt;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reporting the outcome of task {TaskId} failed (try {Try}); retrying")]
    private partial void LogReportRetry(Exception exception, string taskId, int @try);

    [LoggerMessage(Level = LogLevel.Error, Message = "Gave up reporting the outcome of task {TaskId}; its lease will expire and it will be retried")]
    private partial void LogReportLost(Exception exception, string taskId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lease renewal of task {TaskId} failed")]
    private partial void LogHeartbeatFailed(Exception exception, string taskId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Silo stopping: draining {Count} running tasks")]
    private partial void LogDraining(int count);
}
