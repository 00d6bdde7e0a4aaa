using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Streams;

namespace OmniActors.Lifecycle;

/// <summary>
/// Listens to the all-events lifecycle stream and wakes this silo's <see cref="EventLogTail"/> when another silo
/// stored events, so its server-sent-events listeners hear of them at once rather than at the next poll. Only useful
/// with several silos (cluster mode); the tail's poll covers a lost notification.
/// </summary>
internal sealed partial class LifecycleStreamWatcher(IServiceProvider services, EventLogTail tail, ILocalSiloDetails silo, ILogger<LifecycleStreamWatcher> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly string _silo = silo.SiloAddress.ToParsableString();
    private StreamSubscriptionHandle<LifecycleBatch>? _handle;

    public void Participate(ISiloLifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        lifecycle.Subscribe(nameof(LifecycleStreamWatcher), ServiceLifecycleStage.Active, StartAsync, StopAsync);
    }

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            var stream = services.GetRequiredService<IClusterClient>().GetStreamProvider(LifecycleStreams.ProviderName)
                .GetStream<LifecycleBatch>(StreamId.Create(LifecycleStreams.Namespace, LifecycleStreams.AllKey));
            _handle = await stream.SubscribeAsync((batch, _) =>
            {
                if (batch.Events.Any(e => e.Silo != _silo))
                {
                    tail.Ring();
                }
                return Task.CompletedTask;
            });
        }
#pragma warning disable CA1031 // Without the subscription the tail still polls: degrade, do not fail the silo's start.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogSubscribeFailed(ex);
        }
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_handle is not { } handle)
        {
            return;
        }
        try
        {
            await handle.UnsubscribeAsync();
        }
#pragma warning disable CA1031 // A subscription left behind by a stopping silo only costs a failed delivery later.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogUnsubscribeFailed(ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not subscribe to the lifecycle stream; other silos' events reach this silo's listeners at the next poll")]
    private partial void LogSubscribeFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not unsubscribe from the lifecycle stream")]
    private partial void LogUnsubscribeFailed(Exception exception);
}
