using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Streams.Core;
using Orleans.Streams.PubSub;

namespace OmniActors.Lifecycle;

/// <summary>
/// Which lifecycle streams somebody listens to, from Orleans' own pub-sub: the stream's rendezvous grain (explicit
/// subscriptions) and the grain types that subscribe implicitly. A stream found heard is trusted for
/// <see cref="Recheck"/> before it is asked again: a subscriber gone meanwhile costs a batch sent to nobody, as before.
/// A stream found unheard is asked again at the next flush, so a subscriber is never missed once its
/// <c>SubscribeAsync</c> has returned (the rendezvous grain has it by then). A provider without a subscription
/// manager (none of ours) counts as always heard.
/// </summary>
internal sealed partial class StreamAudience(IServiceProvider services, TimeProvider time, ILogger<StreamAudience> logger)
{
    /// <summary>How long a stream found heard is published to without asking again.</summary>
    public static readonly TimeSpan Recheck = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<StreamId, long> _heardAt = new();
    private readonly Lazy<IStreamSubscriptionManager?> _subscriptions = new(() =>
        services.GetRequiredService<IClusterClient>().GetStreamProvider(LifecycleStreams.ProviderName)
            .TryGetStreamSubscriptionManager(out var manager) ? manager : null);

    /// <summary>For each stream, whether a batch published on it now would reach a subscriber.</summary>
    public async Task<bool[]> HeardAsync(IReadOnlyList<StreamId> streams)
    {
        ArgumentNullException.ThrowIfNull(streams);
        var now = time.GetTimestamp();
        var heard = new bool[streams.Count];
        var asks = new List<(int Index, Task<bool> Answer)>();
        for (var i = 0; i < streams.Count; i++)
        {
            if (_heardAt.TryGetValue(streams[i], out var at) && time.GetElapsedTime(at, now) < Recheck)
            {
                heard[i] = true;
            }
            else
            {
                asks.Add((i, AskAsync(streams[i])));
            }
        }
        foreach (var (i, answer) in asks)
        {
            heard[i] = await answer;
            if (heard[i])
            {
                _heardAt[streams[i]] = now;
            }
            else
            {
                _heardAt.TryRemove(streams[i], out _);
            }
        }
        return heard;
    }

    private async Task<bool> AskAsync(StreamId stream)
    {
        try
        {
            return _subscriptions.Value is not { } manager || (await manager.GetSubscriptions(LifecycleStreams.ProviderName, stream)).Any();
        }
#pragma warning disable CA1031 // Not knowing the audience must not lose a notification: publish, as without this check.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogAskFailed(ex, stream);
            return true;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not ask who subscribes to lifecycle stream {Stream}; publishing to it anyway")]
    private partial void LogAskFailed(Exception exception, StreamId stream);
}
