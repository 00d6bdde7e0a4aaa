using System.Diagnostics;
using OmniActors.Running;
using OmniActors.Tasks;
using OmniActors.Webhooks;

namespace OmniActors.Tracing;

/// <summary>
/// The <see cref="ActivitySource"/> OmniActors traces with, and the Activities it starts: one around every attempt (on the
/// batch path and the task grain's alike), a child of the trace context stored with the task, and one around each
/// webhook ingest. With no listener (tracing off, the default) every start returns null after one check.
/// </summary>
public static class OmniActivities
{
    /// <summary>The name to register with OpenTelemetry (<c>AddSource</c>).</summary>
    public const string SourceName = "OmniActors";

    /// <summary>An attempt of a task (kind Consumer: it processes a message another span produced).</summary>
    public const string AttemptName = "omni.task.attempt";

    /// <summary>The ingest of one verified webhook capture (normalize, store, route).</summary>
    public const string IngestName = "omni.webhook.ingest";

    /// <summary>Tag names.</summary>
    public static class Tags
    {
        /// <summary>The task id.</summary>
        public const string TaskId = "omni.task.id";
        /// <summary>The attempt number, from 1.</summary>
        public const string Attempt = "omni.task.attempt";
        /// <summary>The queue.</summary>
        public const string Queue = "omni.task.queue";
        /// <summary>The action.</summary>
        public const string Action = "omni.task.action";
        /// <summary>The silo that ran the attempt.</summary>
        public const string Silo = "omni.silo";
        /// <summary>How the attempt ended: succeeded, failed, timed_out, cancelled, interrupted.</summary>
        public const string Outcome = "omni.task.outcome";
        /// <summary>The error type of a failed attempt (OpenTelemetry's semantic convention).</summary>
        public const string ErrorType = "error.type";
        /// <summary>The webhook provider.</summary>
        public const string Provider = "omni.webhook.provider";
        /// <summary>The webhook instance.</summary>
        public const string Instance = "omni.webhook.instance";
        /// <summary>The raw capture id.</summary>
        public const string Capture = "omni.webhook.capture";
    }

    private static readonly ActivitySource Source = new(SourceName, typeof(OmniActivities).Assembly.GetName().Version?.ToString());

    /// <summary>The context of the current Activity when it is recorded (what a webhook's ingest continues), else the default.</summary>
    public static ActivityContext RecordedContext() =>
        Activity.Current is { Recorded: true } current ? current.Context : default;

    internal static Activity? StartAttempt(RunRequest request, string silo)
    {
        if (!Source.HasListeners())
        {
            return null;
        }
        TaskTrace.TryParse(request.TraceParent, request.TraceState, out var parent);
        var activity = StartRoot(AttemptName, ActivityKind.Consumer, parent);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(Tags.TaskId, request.TaskId);
            activity.SetTag(Tags.Attempt, request.Attempt);
            activity.SetTag(Tags.Queue, request.Queue);
            activity.SetTag(Tags.Action, request.Action);
            activity.SetTag(Tags.Silo, silo);
        }
        return activity;
    }

    internal static void Ended(Activity? activity, AttemptOutcome outcome)
    {
        if (activity is not { IsAllDataRequested: true })
        {
            return;
        }
        activity.SetTag(Tags.Outcome, OutcomeName(outcome.Kind));
        if (outcome.Kind != AttemptOutcomeKind.Succeeded)
        {
            if (outcome.ErrorType is { } errorType)
            {
                activity.SetTag(Tags.ErrorType, errorType);
            }
            activity.SetStatus(ActivityStatusCode.Error, outcome.ErrorMessage);
        }
    }

    internal static Activity? StartIngest(RawCapture raw)
    {
        if (!Source.HasListeners())
        {
            return null;
        }
        var activity = StartRoot(IngestName, ActivityKind.Consumer, raw.Origin);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(Tags.Provider, raw.Provider);
            activity.SetTag(Tags.Instance, raw.Instance);
            activity.SetTag(Tags.Capture, raw.Id);
        }
        return activity;
    }

    /// <summary>
    /// Starts a child of <paramref name="parent"/>, or a new trace when it is the default: never a child of whatever Activity
    /// happens to be current (the grain call or loop that handed the work over is not its cause).
    /// </summary>
    private static Activity? StartRoot(string name, ActivityKind kind, ActivityContext parent)
    {
        Activity.Current = null;
        return Source.StartActivity(name, kind, parent);
    }

    private static string OutcomeName(AttemptOutcomeKind kind) => kind switch
    {
        AttemptOutcomeKind.Succeeded => "succeeded",
        AttemptOutcomeKind.Failed => "failed",
        AttemptOutcomeKind.TimedOut => "timed_out",
        AttemptOutcomeKind.Cancelled => "cancelled",
        AttemptOutcomeKind.Interrupted => "interrupted",
        _ => kind.ToString(),
    };
}
