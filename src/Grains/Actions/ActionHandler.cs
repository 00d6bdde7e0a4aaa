using System.Text.Json;
using System.Text.Json.Nodes;

namespace OmniActors.Actions;

/// <summary>
/// A handler whose payload is bound to <typeparamref name="TPayload"/> (a record, say) with the web JSON rules
/// (camelCase, case-insensitive) and whose result is serialized from <typeparamref name="TResult"/>. A payload that does
/// not bind fails the task at once (no retry can fix it). Register it with <c>services.AddAction&lt;THandler&gt;("name")</c>.
/// </summary>
public abstract class ActionHandler<TPayload, TResult> : IActionHandler
{
    /// <summary>Runs one attempt on the bound payload; throw to fail the attempt (it is retried per the task's policy).</summary>
    protected abstract Task<TResult> HandleAsync(TPayload payload, ActionContext context);

    /// <inheritdoc />
    public async Task<JsonNode?> ExecuteAsync(ActionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var result = await HandleAsync(ActionPayload.Bind<TPayload>(context), context);
        return JsonSerializer.SerializeToNode(result, ActionJson.Options);
    }
}

/// <summary>A handler whose payload is bound to <typeparamref name="TPayload"/> and which returns no result.</summary>
public abstract class ActionHandler<TPayload> : IActionHandler
{
    /// <summary>Runs one attempt on the bound payload; throw to fail the attempt (it is retried per the task's policy).</summary>
    protected abstract Task HandleAsync(TPayload payload, ActionContext context);

    /// <inheritdoc />
    public async Task<JsonNode?> ExecuteAsync(ActionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        await HandleAsync(ActionPayload.Bind<TPayload>(context), context);
        return null;
    }
}

internal static class ActionPayload
{
    /// <summary>The payload as <typeparamref name="T"/>; a payload that does not bind is a permanent failure.</summary>
    public static T Bind<T>(ActionContext context)
    {
        try
        {
            return context.PayloadAs<T>()
                ?? throw new NonRetryableException($"Action '{context.Action}' needs a {typeof(T).Name} payload, not null.");
        }
        catch (JsonException ex)
        {
            throw new NonRetryableException($"Action '{context.Action}' needs a {typeof(T).Name} payload: {ex.Message}", ex);
        }
    }
}
