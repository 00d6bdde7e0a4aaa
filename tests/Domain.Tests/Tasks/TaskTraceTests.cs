using System.Diagnostics;
using OmniActors.Domain;
using OmniActors.Errors;
using OmniActors.Tasks;

namespace OmniActors.Tests.Tasks;

/// <summary>
/// What trace context a task takes at enqueue (only a recorded Activity's, never an explicit one overwritten) and which
/// stored values are accepted: a version-00 traceparent of 55 characters and a tracestate of at most 512.
/// </summary>
public sealed class TaskTraceTests
{
    private const string Parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    private static TaskSpec Spec => new() { Action = "echo" };

    private static ActivityContext Context(ActivityTraceFlags flags, string? state = null) =>
        new(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), flags, state);

    [Fact]
    public void A_recorded_context_is_taken_with_its_state()
    {
        var context = Context(ActivityTraceFlags.Recorded, "vendor=1");

        var spec = TaskTrace.WithContext(Spec, context);

        Assert.Equal($"00-{context.TraceId}-{context.SpanId}-01", spec.TraceParent);
        Assert.Equal("vendor=1", spec.TraceState);
        Assert.True(TaskTrace.TryParse(spec.TraceParent, spec.TraceState, out var parsed));
        Assert.Equal(context.TraceId, parsed.TraceId);
        Assert.Equal(context.SpanId, parsed.SpanId);
        Assert.True(parsed.IsRemote);
    }

    [Fact]
    public void An_unrecorded_or_empty_context_leaves_the_spec_as_it_was()
    {
        var spec = Spec;

        Assert.Same(spec, TaskTrace.WithContext(spec, Context(ActivityTraceFlags.None)));
        Assert.Same(spec, TaskTrace.WithContext(spec, default));
    }

    [Fact]
    public void Without_a_current_activity_nothing_is_taken()
    {
        Activity.Current = null;

        Assert.Null(TaskTrace.WithCurrentContext(Spec).TraceParent);
    }

    [Fact]
    public void An_explicit_context_is_kept_over_the_current_one()
    {
        var explicitSpec = Spec with { TraceParent = Parent };

        Assert.Equal(Parent, TaskTrace.WithContext(explicitSpec, Context(ActivityTraceFlags.Recorded)).TraceParent);
    }

    [Fact]
    public void A_tracestate_over_its_limit_is_dropped_not_cut_and_the_parent_kept()
    {
        var spec = TaskTrace.WithContext(Spec, Context(ActivityTraceFlags.Recorded, "v=" + new string('x', TaskTrace.MaxTraceStateLength)));

        Assert.NotNull(spec.TraceParent);
        Assert.Null(spec.TraceState);
    }

    public static TheoryData<string?, string?, string?> Pairs => new()
    {
        { null, null, null },
        { Parent, null, null },
        { Parent, "vendor=1,other=2", null },
        { Parent, new string('a', TaskTrace.MaxTraceStateLength), null },
        { null, "vendor=1", "traceState needs a traceParent" },
        { "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331", null, "traceParent" },
        { Parent + "-extra", null, "traceParent" },
        { "00-00000000000000000000000000000000-b7ad6b7169203331-01", null, "traceParent" },
        { "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01", null, "traceParent" },
        { "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01", null, "traceParent" },
        { "00-0af7651916cd43dd8448eb211c8031zz-b7ad6b7169203331-01", null, "traceParent" },
        { Parent, new string('a', TaskTrace.MaxTraceStateLength + 1), "traceState" },
        { Parent, "vendor=1\n", "traceState" },
    };

    [Theory]
    [MemberData(nameof(Pairs))]
    public void A_stored_pair_is_accepted_only_when_well_formed(string? traceParent, string? traceState, string? refusedFor)
    {
        var error = TaskSpecValidator.Validate(Spec with { TraceParent = traceParent, TraceState = traceState }, new TaskLimits(), _ => true, DateTimeOffset.UnixEpoch);

        if (refusedFor is null)
        {
            Assert.Null(error);
            return;
        }
        Assert.NotNull(error);
        Assert.Equal(ErrorCodes.Validation, error.Code);
        Assert.Contains(refusedFor, error.Message, StringComparison.Ordinal);
    }
}
