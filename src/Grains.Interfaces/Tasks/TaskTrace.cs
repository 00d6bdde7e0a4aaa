using System.Diagnostics;

namespace OmniActors.Tasks;

/// <summary>
/// The W3C trace context a task carries from the request that enqueued it to every attempt that runs it
/// (<see cref="TaskSpec.TraceParent"/>, <see cref="TaskSpec.TraceState"/>). It is captured only from a recorded
/// <see cref="Activity"/> (a traced request, or one continuing a sampled trace), so an untraced enqueue stores nothing
/// and costs one property read.
/// </summary>
public static class TaskTrace
{
    /// <summary>Length of a version-00 <c>traceparent</c>: <c>00-{32 hex trace id}-{16 hex span id}-{2 hex flags}</c>.</summary>
    public const int TraceParentLength = 55;

    /// <summary>Longest <c>tracestate</c> kept: W3C asks that at least 512 characters be propagated and allows dropping beyond.</summary>
    public const int MaxTraceStateLength = 512;

    /// <summary>
    /// <paramref name="spec"/> with the current Activity's context when that Activity is recorded; unchanged when it is
    /// not, or when the spec already names a context (an explicit one wins).
    /// </summary>
    public static TaskSpec WithCurrentContext(TaskSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return Activity.Current is { } current ? WithContext(spec, current.Context) : spec;
    }

    /// <summary><paramref name="spec"/> carrying <paramref name="context"/> when it is recorded and the spec names none.</summary>
    public static TaskSpec WithContext(TaskSpec spec, ActivityContext context)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.TraceParent is not null || (context.TraceFlags & ActivityTraceFlags.Recorded) == 0 || context.TraceId == default)
        {
            return spec;
        }
        // A longer tracestate is dropped, not cut: a cut list member would be corrupt, and the parent alone keeps the trace.
        var state = context.TraceState is { Length: > 0 and <= MaxTraceStateLength } s ? s : null;
        return spec with { TraceParent = Format(context), TraceState = state };
    }

    /// <summary>The <c>traceparent</c> of <paramref name="context"/>.</summary>
    public static string Format(ActivityContext context) =>
        $"00-{context.TraceId.ToHexString()}-{context.SpanId.ToHexString()}-{((context.TraceFlags & ActivityTraceFlags.Recorded) != 0 ? "01" : "00")}";

    /// <summary>The context a stored pair names; false (and the default context) when there is none or it is malformed.</summary>
    public static bool TryParse(string? traceParent, string? traceState, out ActivityContext context)
    {
        context = default;
        return traceParent is { Length: TraceParentLength }
            && ActivityContext.TryParse(traceParent, traceState, isRemote: true, out context)
            && context.TraceId != default;
    }

    /// <summary>Null when the pair is absent or well formed, else why it is refused.</summary>
    public static string? Problem(string? traceParent, string? traceState)
    {
        if (traceParent is null)
        {
            return traceState is null ? null : "traceState needs a traceParent.";
        }
        if (!TryParse(traceParent, null, out _))
        {
            return $"traceParent must be a W3C version-00 traceparent of {TraceParentLength} characters (00-<32 hex>-<16 hex>-<2 hex>, ids not all zero).";
        }
        if (traceState is { } state && (state.Length > MaxTraceStateLength || state.Any(char.IsControl)))
        {
            return $"traceState must be at most {MaxTraceStateLength} characters with no control characters.";
        }
        return null;
    }
}
