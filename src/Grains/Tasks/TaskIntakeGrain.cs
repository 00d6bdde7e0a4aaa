using Microsoft.Extensions.Options;
using OmniActors.Actions;
using OmniActors.Domain;
using OmniActors.Errors;
using Orleans.Concurrency;

namespace OmniActors.Tasks;

/// <summary>Stateless front door: refuses bad specs before any task activation, assigns ids and fans batches out.</summary>
/// <remarks>Reentrant: it holds no state, and without it each worker activation waited for one task's durable write
/// before taking the next call, so single enqueues queued behind each other (bench: ~2x silo CPU per enqueue).</remarks>
[StatelessWorker]
[Reentrant]
internal sealed class TaskIntakeGrain(ActionRegistry actions, TaskGrainReferences references, IOptions<TaskOptions> options, TimeProvider time) : Grain, ITaskIntakeGrain
{
    private readonly TaskOptions _options = options.Value;

    public Task<SubmitResult> Submit(TaskSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (TaskSpecValidator.Validate(spec, _options.Limits, actions.Contains, time.GetUtcNow()) is { } invalid)
        {
            throw invalid;
        }
        return references.Task(TaskIds.For(spec)).Submit(spec);
    }

    public async Task<IReadOnlyList<BatchItemResult>> SubmitBatch(IReadOnlyList<TaskSpec> specs)
    {
        ArgumentNullException.ThrowIfNull(specs);
        if (specs.Count > _options.MaxBatchSize)
        {
            throw new TaskValidationException(ErrorCodes.Validation, $"A batch holds at most {_options.MaxBatchSize} tasks; this one has {specs.Count}.");
        }
        return await Task.WhenAll(specs.Select(SubmitOneAsync));
    }

    private async Task<BatchItemResult> SubmitOneAsync(TaskSpec spec)
    {
        try
        {
            return new BatchItemResult { Result = await Submit(spec) };
        }
        catch (OmniException ex)
        {
            return new BatchItemResult { ErrorCode = ex.Code, ErrorMessage = ex.Message };
        }
        catch (Exception ex) when (ex is Orleans.Runtime.OrleansException or TimeoutException)
        {
            // A silo died under this item (its task grain was there): nothing is reported stored; retrying with the same key is safe.
            return new BatchItemResult { ErrorCode = ErrorCodes.ClusterUnavailable, ErrorMessage = ex.Message };
        }
    }
}
