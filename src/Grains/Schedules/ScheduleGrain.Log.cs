using Microsoft.Extensions.Logging;

namespace OmniActors.Schedules;

internal sealed partial class ScheduleGrain
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "Schedule {Schedule} fired for {FireTime:O}: task {TaskId}")]
    private partial void LogFired(string schedule, DateTimeOffset fireTime, string taskId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Schedule {Schedule} missed {Count} fires (misfire policy {Policy})")]
    private partial void LogMissed(string schedule, int count, MisfirePolicy policy);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Schedule {Schedule}: the task of the fire at {FireTime:O} was refused: {Reason}")]
    private partial void LogRefused(string schedule, DateTimeOffset fireTime, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Schedule {Schedule} could not fire; its due fires stay due and are tried again shortly")]
    private partial void LogFireFailed(Exception exception, string schedule);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Schedule {Schedule} could not update its safety-net reminder; tried again on the next fire")]
    private partial void LogReminderFailed(Exception exception, string schedule);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Schedule {Schedule} found its state written by another activation; deactivating")]
    private partial void LogStale(Exception exception, string schedule);

    [LoggerMessage(Level = LogLevel.Information, Message = "Schedule {Schedule} paused")]
    private partial void LogPaused(string schedule);

    [LoggerMessage(Level = LogLevel.Information, Message = "Schedule {Schedule} resumed")]
    private partial void LogResumed(string schedule);

    [LoggerMessage(Level = LogLevel.Information, Message = "Schedule {Schedule} deleted")]
    private partial void LogDeleted(string schedule);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Schedule {Schedule}: {Count} lifecycle events could not be written to the event log")]
    private partial void LogPublishFailed(Exception exception, string schedule, int count);
}
