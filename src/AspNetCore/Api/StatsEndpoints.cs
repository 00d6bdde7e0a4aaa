using System.Globalization;
using OmniActors.Domain;
using OmniActors.Errors;
using OmniActors.Stats;

namespace OmniActors.Silo.Api;

/// <summary><c>/api/stats/timeseries</c>: per-queue (or all queues') counts, waits, depth and running over time, cluster-wide.</summary>
internal static class StatsEndpoints
{
    /// <summary>Most points one answer holds.</summary>
    public const int MaxPoints = 2000;

    /// <summary>Longest range served from the event log (steps under a minute).</summary>
    public static readonly TimeSpan MaxFineRange = TimeSpan.FromHours(1);

    public static RouteGroupBuilder MapStats(this RouteGroupBuilder api)
    {
        api.MapGet("/stats/timeseries", Timeseries).WithTags("Queues").WithName("GetStatsTimeseries")
            .WithSummary("Counts, enqueue-to-start wait p50/p99, depth and running per step for a queue or all queues "
                         + "(steps of whole minutes from the minute rollups; steps under a minute, counts only, from the event log).");
        return api;
    }

    private static async Task<StatsSeriesDto> Timeseries(string? queue, DateTimeOffset? from, DateTimeOffset? to, string? step,
        StatsStore stats, TimeProvider time, CancellationToken cancellationToken)
    {
        if (queue is not null && !TaskSpecValidator.IsValidName(queue))
        {
            throw new TaskValidationException(StatsErrorCodes.InvalidQueue, $"Queue name '{(queue.Length > 40 ? queue[..40] + "…" : queue)}' is invalid.");
        }
        var stepMs = ParseStep(step);
        var toMs = (to ?? time.GetUtcNow()).ToUnixTimeMilliseconds();
        var fromMs = from?.ToUnixTimeMilliseconds() ?? toMs - (long)(stepMs < 60_000 ? TimeSpan.FromMinutes(5) : TimeSpan.FromHours(24)).TotalMilliseconds;
        if (fromMs >= toMs)
        {
            throw new TaskValidationException(EventLogErrorCodes.InvalidRange, "\"from\" must be before \"to\".");
        }
        if (stepMs < 60_000 && toMs - fromMs > MaxFineRange.TotalMilliseconds)
        {
            throw new TaskValidationException(StatsErrorCodes.InvalidStep, $"Steps under a minute serve ranges of at most {MaxFineRange.TotalMinutes:0} minutes.");
        }
        if ((toMs - StatsTimeseries.Align(fromMs, stepMs) + stepMs - 1) / stepMs > MaxPoints)
        {
            throw new TaskValidationException(StatsErrorCodes.TooManyPoints,
                $"The range holds more than {MaxPoints} steps of {stepMs / 1000}s: take a longer step or a shorter range.");
        }
        if (stepMs < 60_000)
        {
            var counts = await stats.CountEventsAsync(queue, StatsTimeseries.Align(fromMs, stepMs), toMs, stepMs, cancellationToken);
            return new StatsSeriesDto(queue, Iso(fromMs), Iso(toMs), stepMs / 1000, "event_log", StatsTimeseries.FromEventCounts(counts, fromMs, toMs, stepMs));
        }
        var start = StatsTimeseries.Align(fromMs, stepMs);
        var rows = await stats.ReadAsync(queue, start, toMs, cancellationToken);
        return new StatsSeriesDto(queue, Iso(fromMs), Iso(toMs), stepMs / 1000, "rollups", StatsTimeseries.FromRollups(rows, fromMs, toMs, stepMs));
    }

    /// <summary>A step: seconds (<c>60</c>) or a count and unit (<c>1s</c>, <c>10s</c>, <c>1m</c>, <c>5m</c>, <c>1h</c>, <c>1d</c>); a minute or more must be whole minutes.</summary>
    internal static long ParseStep(string? step)
    {
        if (step is null)
        {
            return 60_000;
        }
        var text = step.Trim();
        var unit = text.Length > 0 && char.IsLetter(text[^1]) ? char.ToLowerInvariant(text[^1]) : 's';
        var digits = char.IsLetter(text.Length > 0 ? text[^1] : '0') ? text[..^1] : text;
        long multiplier = unit switch { 's' => 1_000, 'm' => 60_000, 'h' => 3_600_000, 'd' => 86_400_000, _ => 0 };
        if (multiplier == 0 || digits.Length is 0 or > 7 || !long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n == 0)
        {
            throw new TaskValidationException(StatsErrorCodes.InvalidStep,
                $"\"step\" must be seconds or a count with a unit (1s, 10s, 1m, 5m, 1h, 1d); got '{(step.Length > 20 ? step[..20] + "…" : step)}'.");
        }
        var ms = n * multiplier;
        if (ms >= 60_000 && ms % 60_000 != 0)
        {
            throw new TaskValidationException(StatsErrorCodes.InvalidStep, "A step of a minute or more must be a whole number of minutes (the rollups are per minute).");
        }
        return ms;
    }

    private static DateTimeOffset Iso(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);
}

/// <summary>Codes of the statistics' problems.</summary>
internal static class StatsErrorCodes
{
    public const string InvalidStep = "invalid_step";
    public const string InvalidQueue = "invalid_queue";
    public const string TooManyPoints = "too_many_points";
}

/// <summary>A time series: <see cref="Source"/> says where it came from (<c>rollups</c> or <c>event_log</c>).</summary>
public sealed record StatsSeriesDto(string? Queue, DateTimeOffset From, DateTimeOffset To, long StepSeconds, string Source, IReadOnlyList<StatsPoint> Points);
