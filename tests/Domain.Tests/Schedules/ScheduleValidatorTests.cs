using OmniActors.Domain;
using OmniActors.Domain.Schedules;
using OmniActors.Errors;
using OmniActors.Schedules;
using OmniActors.Tasks;
using static OmniActors.Tests.Schedules.ScheduleTimelineTests;

namespace OmniActors.Tests.Schedules;

/// <summary>Each bad schedule is refused with a clear error and the right code; good ones pass.</summary>
public sealed class ScheduleValidatorTests
{
    private static readonly DateTimeOffset Now = Utc("2026-01-01T12:00:00Z");
    private static readonly TaskSpec Template = new() { Action = "send-report", Payload = """{"to":"ada"}""", Queue = "reports", Priority = 5 };
    private static readonly ScheduleSpec CronSpec = new() { Cron = "0 0 9 * * MON-FRI", TimeZone = "Europe/Berlin", Template = Template };

    private static bool IsKnown(string action) => action == "send-report";

    private static TaskValidationException? Validate(ScheduleSpec spec, string name = "nightly-report") =>
        ScheduleValidator.Validate(name, spec, new TaskLimits(), IsKnown, Now);

    public static TheoryData<string, ScheduleSpec> Valid => new()
    {
        { "cron with seconds in a zone", CronSpec },
        { "five-field cron in UTC", CronSpec with { Cron = "*/5 * * * *", TimeZone = null } },
        { "cron macro", CronSpec with { Cron = "@hourly", TimeZone = "UTC" } },
        { "interval", new ScheduleSpec { Interval = TimeSpan.FromSeconds(1), Template = Template } },
        { "interval with a start", new ScheduleSpec { Interval = TimeSpan.FromHours(1), StartAt = Now.AddDays(-3), Template = Template } },
        { "one-shot", new ScheduleSpec { At = Now.AddHours(1), Template = Template } },
        { "one-shot a little late", new ScheduleSpec { At = Now.AddSeconds(-30), Template = Template } },
        { "every policy", CronSpec with { Misfire = MisfirePolicy.FireAll, Overlap = OverlapPolicy.BufferOne, MaxCatchUp = 1000 } },
        { "template with a delay", CronSpec with { Template = Template with { Delay = TimeSpan.FromMinutes(1) } } },
    };

    [Theory]
    [MemberData(nameof(Valid))]
    public void A_good_schedule_passes(string name, ScheduleSpec spec)
    {
        var error = Validate(spec);
        Assert.True(error is null, $"{name}: {error?.Message}");
    }

    public static TheoryData<string, ScheduleSpec, string, string> Invalid => new()
    {
        // case, spec, code, the message mentions
        { "cron that does not parse", CronSpec with { Cron = "every day at nine" }, ScheduleErrorCodes.InvalidCron, "every day at nine" },
        { "cron with a bad field", CronSpec with { Cron = "0 0 25 * * *" }, ScheduleErrorCodes.InvalidCron, "does not parse" },
        { "cron with too few fields", CronSpec with { Cron = "* * *" }, ScheduleErrorCodes.InvalidCron, "does not parse" },
        { "cron that never matches", CronSpec with { Cron = "0 0 0 30 2 *" }, ScheduleErrorCodes.InvalidCron, "0 0 0 30 2 *" },
        { "unknown time zone", CronSpec with { TimeZone = "Mars/Olympus_Mons" }, ScheduleErrorCodes.UnknownTimeZone, "Mars/Olympus_Mons" },
        { "empty time zone", CronSpec with { TimeZone = "" }, ScheduleErrorCodes.UnknownTimeZone, "time zone" },
        { "interval of zero", new ScheduleSpec { Interval = TimeSpan.Zero, Template = Template }, ErrorCodes.Validation, "interval" },
        { "negative interval", new ScheduleSpec { Interval = TimeSpan.FromSeconds(-5), Template = Template }, ErrorCodes.Validation, "interval" },
        { "interval under a second", new ScheduleSpec { Interval = TimeSpan.FromMilliseconds(500), Template = Template }, ErrorCodes.Validation, "interval" },
        { "no timing", new ScheduleSpec { Template = Template }, ErrorCodes.Validation, "exactly one" },
        { "two timings", CronSpec with { Interval = TimeSpan.FromMinutes(1) }, ErrorCodes.Validation, "exactly one" },
        { "one-shot in the past", new ScheduleSpec { At = Now.AddHours(-1), Template = Template }, ErrorCodes.Validation, "past" },
        { "startAt on a cron", CronSpec with { StartAt = Now }, ErrorCodes.Validation, "startAt" },
        { "time zone on an interval", new ScheduleSpec { Interval = TimeSpan.FromMinutes(1), TimeZone = "UTC", Template = Template }, ErrorCodes.Validation, "timeZone" },
        { "catch-up of zero", CronSpec with { MaxCatchUp = 0 }, ErrorCodes.Validation, "maxCatchUp" },
        { "unknown misfire policy", CronSpec with { Misfire = (MisfirePolicy)42 }, ErrorCodes.Validation, "misfire" },
        { "unknown overlap policy", CronSpec with { Overlap = (OverlapPolicy)42 }, ErrorCodes.Validation, "overlap" },
        { "unknown action", CronSpec with { Template = Template with { Action = "no-such-action" } }, ErrorCodes.UnknownAction, "no-such-action" },
        { "template with its own key", CronSpec with { Template = Template with { IdempotencyKey = "k" } }, ErrorCodes.Validation, "idempotency key" },
        { "template with runAt", CronSpec with { Template = Template with { RunAt = Now.AddDays(1) } }, ErrorCodes.Validation, "runAt" },
        { "template with a bad payload", CronSpec with { Template = Template with { Payload = "{nope" } }, ErrorCodes.MalformedPayload, "JSON" },
        { "template with a bad priority", CronSpec with { Template = Template with { Priority = 5000 } }, ErrorCodes.Validation, "priority" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void A_bad_schedule_is_refused_with_a_clear_error(string name, ScheduleSpec spec, string code, string mentions)
    {
        var error = Validate(spec);

        Assert.True(error is not null, $"{name} was accepted");
        Assert.Equal(code, error.Code);
        Assert.Contains(mentions, error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-leading-dash")]
    [InlineData("has space")]
    public void A_bad_schedule_name_is_refused(string name)
    {
        var error = Validate(CronSpec, name);

        Assert.Equal(ErrorCodes.Validation, error?.Code);
        Assert.Contains("Schedule name", error?.Message, StringComparison.Ordinal);
    }
}
