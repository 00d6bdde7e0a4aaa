namespace OmniActors.Schedules;

/// <summary>Error codes specific to schedules (carried by <see cref="Errors.TaskValidationException"/>, so HTTP 400).</summary>
public static class ScheduleErrorCodes
{
    /// <summary>The cron expression does not parse or never matches.</summary>
    public const string InvalidCron = "invalid_cron";
    /// <summary>The time zone is not a known IANA (or system) zone id.</summary>
    public const string UnknownTimeZone = "unknown_time_zone";
}
