using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using OmniActors.Errors;
using OmniActors.Webhooks;

namespace OmniActors.Routing;

/// <summary>A rule made ready to match: its regex compiled once with a match timeout. Pure: no I/O, no clock.</summary>
public sealed class RouteMatcher
{
    private readonly Regex? _regex;

    private RouteMatcher(RouteRule rule, Regex? regex)
    {
        Rule = rule;
        _regex = regex;
    }

    /// <summary>The rule.</summary>
    public RouteRule Rule { get; }

    /// <summary>Checks a rule's regex and template; throws <see cref="TaskValidationException"/> naming what is wrong.</summary>
    public static RouteMatcher Create(RouteRule rule, TimeSpan regexTimeout)
    {
        ArgumentNullException.ThrowIfNull(rule);
        Regex? regex = null;
        if (rule.TextRegex is { } pattern)
        {
            try
            {
                regex = new Regex(pattern, RegexOptions.CultureInvariant, regexTimeout);
            }
            catch (ArgumentException ex)
            {
                throw new TaskValidationException(ErrorCodes.Validation, $"\"text_regex\" is not a valid regular expression: {ex.Message}");
            }
        }
        if (rule.PayloadTemplate is { } template)
        {
            try
            {
                JsonNode.Parse(template);
            }
            catch (JsonException ex)
            {
                throw new TaskValidationException(ErrorCodes.Validation, $"\"payload_template\" is not valid JSON: {ex.Message}");
            }
        }
        return new RouteMatcher(rule, regex);
    }

    /// <summary>True when the event meets every criterion the rule sets. A regex that times out does not match.</summary>
    public bool Matches(OmniEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var r = Rule;
        if (!r.Enabled
            || (r.Provider is not null && r.Provider != e.Provider)
            || (r.Instance is not null && r.Instance != e.Instance)
            || (r.EventType is not null && r.EventType != e.EventType)
            || (r.ContentType is not null && r.ContentType != e.ContentType)
            || (r.DeliveryStatus is not null && r.DeliveryStatus != e.DeliveryStatus))
        {
            return false;
        }
        if (r.TextPrefix is not null && (e.Text is null || !e.Text.StartsWith(r.TextPrefix, StringComparison.Ordinal)))
        {
            return false;
        }
        if (_regex is not null)
        {
            if (e.Text is null)
            {
                return false;
            }
            try
            {
                return _regex.IsMatch(e.Text);
            }
            catch (RegexMatchTimeoutException)
            {
                return false;
            }
        }
        return true;
    }
}
