using System.Diagnostics;
using Microsoft.Extensions.Logging;
using OmniActors.Errors;
using OmniActors.Tasks;
using OmniActors.Webhooks;

namespace OmniActors.Routing;

/// <summary>
/// Turns a stored event into queued actions: one task per matching rule, its id derived from event id and rule id
/// (the task queue's idempotency key), so a retry, a redelivery or a recovery run never enqueues a match twice.
/// Each task it creates is published as a <c>routed</c> webhook lifecycle event.
/// </summary>
public sealed partial class EventRouter(RouteRules rules, IGrainFactory grains, WebhookLifecycle lifecycle, ILogger<EventRouter> logger)
{
    /// <summary>The idempotency key of the one task a rule enqueues for an event.</summary>
    public static string IdempotencyKey(string eventId, string ruleId) => $"route:{ruleId}:{eventId}";

    /// <summary>The task id a rule's match of an event gets.</summary>
    public static string TaskId(string eventId, string ruleId) => TaskIds.FromIdempotencyKey(IdempotencyKey(eventId, ruleId));

    /// <summary>The enabled rules that match the event (none: nothing to route).</summary>
    public async Task<IReadOnlyList<RouteMatcher>> MatchAsync(OmniEvent e, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(e);
        return (await rules.MatchersAsync(cancellationToken)).Where(m => m.Matches(e)).ToList();
    }

    /// <summary>
    /// Enqueues the action of each rule in <paramref name="matched"/> (from <see cref="MatchAsync"/> on this event); each task
    /// carries <paramref name="trace"/> (the ingest's context) when it is recorded.
    /// </summary>
    public async Task RouteAsync(OmniEvent e, IReadOnlyList<RouteMatcher> matched, ActivityContext trace = default)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(matched);
        foreach (var matcher in matched)
        {
            var rule = matcher.Rule;
            var spec = TaskTrace.WithContext(new TaskSpec
            {
                Action = rule.Action,
                Queue = rule.Queue,
                Payload = EventPayload.Build(rule.PayloadTemplate, e),
                IdempotencyKey = IdempotencyKey(e.Id, rule.Id),
            }, trace);
            try
            {
                var result = await grains.GetGrain<ITaskIntakeGrain>(0).Submit(spec);
                if (result.Created)
                {
                    // Only a new task: a recovery run or a redelivery routing the event again publishes nothing more.
                    lifecycle.OnRouted(e, rule.Id, result.Task.Id, result.Task.Queue, rule.Action);
                }
            }
            catch (ConflictException ex) when (ex.Code == ErrorCodes.IdempotencyConflict)
            {
                // Enqueued before with another payload (the rule changed in between): the first enqueue stands.
                LogAlreadyRouted(e.Id, rule.Id);
            }
            catch (TaskValidationException ex)
            {
                // A rule naming an action this cluster lacks must not block the event's other rules.
                LogRuleRejected(ex, e.Id, rule.Id, ex.Code);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Event {EventId} was already routed by rule {RuleId}")]
    private partial void LogAlreadyRouted(string eventId, string ruleId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rule {RuleId} could not enqueue for event {EventId}: {Code}")]
    private partial void LogRuleRejected(Exception exception, string eventId, string ruleId, string code);
}
