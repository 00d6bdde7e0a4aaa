using Cronos;
using OmniActors.Errors;
using OmniActors.Schedules;

namespace OmniActors.Domain.Schedules;

/// <summary>Checks a schedule before anything is stored; the first problem found is returned.</summary>
public static class ScheduleValidator
{
    /// <summary>Shortest interval: a schedule is not a busy loop.</summary>
    public static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(1);

    /// <summary>Most missed fires <see cref="MisfirePolicy.FireAll"/> may catch up at once.</summary>
    public const int MaxCatchUpLimit = 1000;

    /// <summary>Null when valid, else the error to return to the caller.</summary>
    public static TaskValidationException? Validate(string name, ScheduleSpec spec, TaskLimits limits, Func<string, bool> isKnownAction, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(isKnownAction);

        if (!TaskSpecValidator.IsValidName(name))
        {
            return Invalid($"Schedule name '{name}' is invalid: 1 to {TaskLimits.MaxNameLength} characters of letters, digits, '.', '_', '-', ':', starting with a letter or digit.");
        }
        if (ScheduleTimeline.KindOf(spec) is not { } kind)
        {
            return Invalid("Set exactly one of cron, interval and at (one-shot).");
        }
        if (TimingError(spec, kind, limits, now) is { } timingError)
        {
            return timingError;
        }
        if (!Enum.IsDefined(spec.Misfire))
        {
            return Invalid($"Misfire policy {spec.Misfire} is unknown.");
        }
        if (!Enum.IsDefined(spec.Overlap))
        {
            return Invalid($"Overlap policy {spec.Overlap} is unknown.");
        }
        if (spec.MaxCatchUp is < 1 or > MaxCatchUpLimit)
        {
            return Invalid($"maxCatchUp {spec.MaxCatchUp} is out of range [1, {MaxCatchUpLimit}].");
        }
        return TemplateError(name, spec, limits, isKnownAction, now);
    }

    /// <summary>The expression, or null with <paramref name="error"/> set. Six fields include seconds; five (or a macro such as <c>@daily</c>) do not.</summary>
    public static CronExpression? ParseCron(string expression, out string? error)
    {
        ArgumentNullException.ThrowIfNull(expression);
        var fields = expression.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
        var format = fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard;
        try
        {
            error = null;
            return CronExpression.Parse(expression, format);
        }
        catch (CronFormatException ex)
        {
            error = $"Cron expression '{expression}' does not parse: {ex.Message}";
            return null;
        }
    }

    /// <summary>The zone (UTC for null), or null with <paramref name="error"/> set.</summary>
    public static TimeZoneInfo? FindTimeZone(string? id, out string? error)
    {
        error = null;
        if (id is null)
        {
            return TimeZoneInfo.Utc;
        }
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException)
        {
            error = $"Time zone '{id}' is unknown; use an IANA id such as 'Europe/Berlin' or 'UTC'.";
            return null;
        }
    }

    private static TaskValidationException? TimingError(ScheduleSpec spec, ScheduleKind kind, TaskLimits limits, DateTimeOffset now)
    {
        if (spec.StartAt is not null && kind != ScheduleKind.Interval)
        {
            return Invalid("startAt applies to interval schedules only.");
        }
        if (spec.TimeZone is not null && kind != ScheduleKind.Cron)
        {
            return Invalid("timeZone applies to cron schedules only.");
        }
        switch (kind)
        {
            case ScheduleKind.Cron:
                if (ParseCron(spec.Cron!, out var cronError) is not { } expression)
                {
                    return new TaskValidationException(ScheduleErrorCodes.InvalidCron, cronError!);
                }
                if (FindTimeZone(spec.TimeZone, out var zoneError) is not { } zone)
                {
                    return new TaskValidationException(ScheduleErrorCodes.UnknownTimeZone, zoneError!);
                }
                return ScheduleTimeline.Cron(expression, zone).After(now) is null
                    ? new TaskValidationException(ScheduleErrorCodes.InvalidCron, $"Cron expression '{spec.Cron}' never matches a future time.")
                    : null;
            case ScheduleKind.Interval:
                var interval = spec.Interval!.Value;
                if (interval < MinInterval || interval > limits.MaxDelay)
                {
                    return Invalid($"intervalSeconds {TaskSpecValidator.Seconds(interval)} is out of range [{TaskSpecValidator.Seconds(MinInterval)}, {TaskSpecValidator.Seconds(limits.MaxDelay)}].");
                }
                return spec.StartAt is { } start && (start - now).Duration() > limits.MaxDelay
                    ? Invalid($"startAt {start:O} is more than {TaskSpecValidator.Seconds(limits.MaxDelay)} seconds away.")
                    : null;
            default:
                var at = spec.At!.Value;
                if (at < now - FirePlanner.MisfireGrace)
                {
                    return Invalid($"at {at:O} is in the past; a one-shot may be at most {FirePlanner.MisfireGrace} late.");
                }
                return at - now > limits.MaxDelay ? Invalid($"at {at:O} is more than {TaskSpecValidator.Seconds(limits.MaxDelay)} seconds away.") : null;
        }
    }

    private static TaskValidationException? TemplateError(string name, ScheduleSpec spec, TaskLimits limits, Func<string, bool> isKnownAction, DateTimeOffset now)
    {
        if (spec.Template is not { } template)
        {
            return Invalid("A task template is required.");
        }
        if (template.IdempotencyKey is not null)
        {
            return Invalid("The task template may not set an idempotency key: each fire's key is derived from schedule name and fire time.");
        }
        if (template.RunAt is not null)
        {
            return Invalid("The task template may not set runAt: the schedule decides when it runs (a delay is allowed).");
        }
        // Validated as the first fire would submit it, key included, so a fire cannot be refused for anything checked here.
        return TaskSpecValidator.Validate(template with { IdempotencyKey = ScheduleKeys.IdempotencyKey(name, now) }, limits, isKnownAction, now);
    }

    private static TaskValidationException Invalid(string message) => new(ErrorCodes.Validation, message);
}
