using System.Net;
using Microsoft.Extensions.DependencyInjection;
using OmniActors.Lifecycle;
using OmniActors.Tests.Http;
using OmniActors.Tests.Stats;
using OmniActors.Tests.Storage;
using OmniActors.Tests.Support;
using OmniActors.Tests.Tracing;

namespace OmniActors.Tests.Lifecycle;

/// <summary>
/// A silo subscribes to the all-events lifecycle stream only while it serves live listeners: held by every silo all the
/// time, every task's events would be delivered to every silo (a cost per task that grows with the silo count).
/// </summary>
public sealed class StreamWatcherTests
{
    [Fact]
    public async Task Only_a_silo_with_live_listeners_subscribes_and_its_listener_sees_the_other_silos_events()
    {
        var first = new PostgresStatsSilo();
        PeerStatsSilo? second = null;
        try
        {
            await first.InitializeAsync();
            second = new PeerStatsSilo(new ClusterPeerDatabase((TempPostgresDatabase)first.Database));
            await second.InitializeAsync();
            var onFirst = Watcher(first);
            var onSecond = Watcher(second);
            Assert.False(onFirst.Subscribed, "no one listens on the first silo, yet it subscribed");
            Assert.False(onSecond.Subscribed, "no one listens on the second silo, yet it subscribed");

            var queue = Api.UniqueQueue("watcher");
            using var listening = second.CreateApiClient();
            await using (var sse = await SseStream.OpenAsync(listening, $"/api/events/stream?queue={queue}&type=complete"))
            {
                await Eventually.True(() => onSecond.Subscribed, Api.Deadline, "the second silo subscribes once a listener connects");
                Assert.False(onFirst.Subscribed);

                // The queue's partitions are dealt between both silos: the listener on the second hears every task end.
                using var enqueuing = first.CreateApiClient();
                var tasks = Enumerable.Range(0, 16).Select(_ => (object)new { action = "noop", queue });
                await enqueuing.PostJsonAsync("/api/tasks/batch", new { tasks }).ExpectAsync(HttpStatusCode.OK);
                var ended = await sse.EventsAsync(16, Api.Deadline);
                Assert.Equal(16, ended.Select(e => e.Subject).Distinct().Count());
                Assert.Contains(ended, e => e.Json.GetProperty("silo").GetString() != ended[0].Json.GetProperty("silo").GetString());
            }
            Assert.False(onFirst.Subscribed);
        }
        finally
        {
            if (second is not null)
            {
                await second.DisposeAsync();
            }
            await first.DisposeAsync();
        }
    }

    private static LifecycleStreamWatcher Watcher(SiloAppFactory silo) =>
        silo.Services.GetServices<ILifecycleParticipant<ISiloLifecycle>>().OfType<LifecycleStreamWatcher>().Single();
}
