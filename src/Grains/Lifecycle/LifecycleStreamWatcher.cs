using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Streams;

namespace OmniActors.Lifecycle;

/// <summary>
/// Listens to the all-events lifecycle stream and wakes this silo's <see cref="EventLogTail"/> when another silo
/// stored events, so its live listeners (server-sent events, WebSockets) hear of them at once rather than at the next
/// poll. Only useful with several silos (cluster mode); the tail's poll covers a lost notification.
/// <para>
/// It subscribes only while this silo has listeners (and for <see cref="Linger"/> after the last one left, so a client
/// that reconnects does not cost a subscription each time). A subscription receives every event of every silo: held by
/// every silo all the time, each task's events would be delivered to every silo, a cost per task that grows with the
/// silo count (bench/README.md, "Scale-out").
/// </para>
/// </summary>
internal sealed partial class LifecycleStreamWatcher(IServiceProvider services, EventLogTail tail, ILocalSiloDetails silo, TimeProvider time,
    ILogger<LifecycleStreamWatcher> logger) : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    /// <summary>How long the subscription stays after the last listener left.</summary>
    internal static readonly TimeSpan Linger = TimeSpan.FromSeconds(30);

    private readonly string _silo = silo.SiloAddress.ToParsableString();
    private readonly SemaphoreSlim _turn = new(1, 1);
    private volatile bool _running;
    private StreamSubscriptionHandle<LifecycleBatch>? _handle;

    /// <summary>Whether the silo holds a subscription now.</summary>
    internal bool Subscribed => Volatile.Read(ref _handle) is not null;

    public void Participate(ISiloLifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        lifecycle.Subscribe(nameof(LifecycleStreamWatcher), ServiceLifecycleStage.Active, StartAsync, StopAsync);
    }

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        _running = true;
        tail.ListeningChanged += OnListeningChanged;
        await ReconcileAsync();
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        _running = false;
        tail.ListeningChanged -= OnListeningChanged;
        await ReconcileAsync();
    }

    private void OnListeningChanged(bool listening) => _ = listening ? ReconcileAsync() : ReconcileAfterLingerAsync();

    private async Task ReconcileAfterLingerAsync()
    {
        await Task.Delay(Linger, time);
        await ReconcileAsync();
    }

    /// <summary>Subscribes or unsubscribes so that a subscription exists exactly while the silo runs and anyone listens.</summary>
    private async Task ReconcileAsync()
    {
        try
        {
            await _turn.WaitAsync();
        }
        catch (ObjectDisposedException)
        {
            return; // A lingering check that came due after the silo shut down.
        }
        try
        {
            var wanted = _running && tail.ListenerCount > 0;
            if (wanted && _handle is null)
            {
                await SubscribeAsync();
            }
            else if (!wanted && _handle is { } handle)
            {
                _handle = null;
                await UnsubscribeAsync(handle);
            }
        }
        finally
        {
            _turn.Release();
        }
    }

    private async Task SubscribeAsync()
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
#pragma warning disable CA1031 // Without the subscription the tail still polls: degrade, do not fail the silo or the listener.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogSubscribeFailed(ex);
        }
    }

    private async Task UnsubscribeAsync(StreamSubscriptionHandle<LifecycleBatch> handle)
    {
        try
        {
            await handle.UnsubscribeAsync();
        }
#pragma warning disable CA1031 // A subscription left behind only costs a failed delivery later.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogUnsubscribeFailed(ex);
        }
    }

    public void Dispose() => _turn.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not subscribe to the lifecycle stream; other silos' events reach this silo's listeners at the next poll")]
    private partial void LogSubscribeFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not unsubscribe from the lifecycle stream")]
    private partial void LogUnsubscribeFailed(Exception exception);
}
