using System.Diagnostics;
using System.Net;
using OmniActors.Tests.Http;
using OmniActors.Tests.Storage;
using OmniActors.Tests.Support;
using OmniActors.Tracing;
using Orleans.Runtime;

namespace OmniActors.Tests.Tracing;

/// <summary>Two tracing silos (the real app, each its own host and ports) in one cluster on a throwaway PostgreSQL database.</summary>
public sealed class TwoTracingSilos : IAsyncLifetime
{
    public TracingSilo First { get; } = new(new TempPostgresDatabase());

    public TracingSilo Second { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await First.InitializeAsync();
        Second = new TracingSilo(new ClusterPeerDatabase((TempPostgresDatabase)First.Database));
        await Second.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await ((IAsyncLifetime)Second).DisposeAsync();
        await ((IAsyncLifetime)First).DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class TwoTracingSilosCollection : ICollectionFixture<TwoTracingSilos>
{
    public const string Name = "tracing across two postgresql silos";
}

/// <summary>The trace goes with the task: a task enqueued through one silo and run by the other runs in the enqueue's trace.</summary>
[Collection(TwoTracingSilosCollection.Name)]
public sealed class TracingAcrossSilosTests(TwoTracingSilos cluster)
{
    [Fact]
    public async Task Tasks_enqueued_through_one_silo_run_on_the_other_in_the_trace_of_the_enqueue()
    {
        var traceId = ActivityTraceId.CreateRandom();
        var queue = Api.UniqueQueue("trace-silos");
        using var client = cluster.First.CreateApiClient();
        client.DefaultRequestHeaders.TryAddWithoutValidation("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
        var second = cluster.Second.Service<ILocalSiloDetails>().SiloAddress.ToParsableString();

        // 24 tasks over the queue's 4 partitions, dealt between the two silos: the chance that none lands on the second is 2^-24.
        var items = await client.PostJsonAsync("/api/tasks/batch", new { tasks = Enumerable.Range(0, 24).Select(_ => new { action = "test-trace", queue }) })
            .ExpectAsync(HttpStatusCode.OK);
        var ids = items.EnumerateArray().Select(i => i.GetProperty("task").Id()).ToList();
        foreach (var id in ids)
        {
            await client.UntilStatusAsync(id, "succeeded");
        }

        var onSecond = ids.Where(cluster.Second.Handler.Seen.ContainsKey).ToList();
        Assert.NotEmpty(onSecond);
        foreach (var id in onSecond)
        {
            var seen = Assert.Single(cluster.Second.Handler.Seen[id]);
            Assert.Equal(second, seen.Silo);
            Assert.Equal(traceId, seen.TraceId);
            var attempt = await Eventually.Until(() => Task.FromResult(cluster.Second.Spans.Attempts(id)), a => a.Count > 0, Api.Deadline,
                $"the attempt span of {id} is exported");
            Assert.All(attempt, a => Assert.Equal(second, a.GetTagItem(OmniActivities.Tags.Silo)));
            Assert.All(attempt, a => Assert.Equal(traceId, a.TraceId));
        }
        Assert.All(ids.Except(onSecond), id => Assert.Equal(traceId, Assert.Single(cluster.First.Handler.Seen[id]).TraceId));
    }
}
