namespace OmniActors.Hosting;

/// <summary>
/// The loop every background sweep of a silo runs (result and retention sweeps, dependency re-checks, webhook recovery
/// and raw cleanup): one pass per interval on the injected clock; a failed pass is reported and the next tick tries
/// again; the loop ends quietly when the silo stops.
/// </summary>
internal static class PeriodicSweep
{
    /// <summary>Runs <paramref name="pass"/> every <paramref name="interval"/> until <paramref name="cancellationToken"/>
    /// fires; <paramref name="passAtStart"/> runs the first pass at once instead of after one interval.</summary>
    public static async Task RunAsync(TimeSpan interval, TimeProvider time, bool passAtStart, Func<CancellationToken, Task> pass,
        Action<Exception> failed, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            if (!passAtStart && !await timer.WaitForNextTickAsync(cancellationToken))
            {
                return;
            }
            do
            {
                try
                {
                    await pass(cancellationToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    failed(ex);
                }
            }
            while (await timer.WaitForNextTickAsync(cancellationToken));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The silo is stopping.
        }
    }
}
