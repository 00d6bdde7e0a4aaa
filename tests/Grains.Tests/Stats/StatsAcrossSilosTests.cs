using System.Globalization;
using System.Net;
using System.Text.Json;
using OmniActors.Tests.Http;
using OmniActors.Tests.Storage;
using OmniActors.Tests.Support;
using OmniActors.Tests.Tracing;

namespace OmniActors.Tests.Stats;

/// <summary>A statistics silo on a database another silo created (a second silo of its cluster, or one started after it).</summary>
public sealed class PeerStatsSilo(TempDatabase database) : StatsSiloFactory(database);

/// <summary>
/// The charts' history lives in the database, not in a silo: two silos of one cluster on PostgreSQL serve the same
/// series, and a silo started after both stopped serves it too.
/// </summary>
public sealed class StatsAcrossSilosTests
{
    // What a finished minute holds that no later flush changes (depth and running are sampled again at each flush).
    private static readonly string[] Settled = ["enqueued", "started", "succeeded", "failed", "deadLettered", "waitP50Ms", "waitP99Ms"];

    [Fact]
    public async Task The_history_is_the_same_on_every_silo_and_survives_a_restart()
    {
        var first = new PostgresStatsSilo();
        var owner = (TempPostgresDatabase)first.Database;
        PeerStatsSilo? second = null;
        try
        {
            await first.InitializeAsync();
            second = new PeerStatsSilo(new ClusterPeerDatabase(owner));
            await second.InitializeAsync();

            var queue = Api.UniqueQueue("stats-silos");
            var from = DateTimeOffset.UtcNow.AddMinutes(-2);
            var to = DateTimeOffset.UtcNow.AddMinutes(3);
            var query = $"queue={queue}&from={Q(from)}&to={Q(to)}&step=1m";
            using (var client = first.CreateApiClient())
            {
                // Spread over the queue's partitions, which are dealt between the two silos: both run (and count) tasks.
                var tasks = Enumerable.Range(0, 24).Select(_ => (object)new { action = "echo", queue })
                    .Concat(Enumerable.Range(0, 4).Select(_ => (object)new { action = "test-fail", queue, retry = new { maxAttempts = 1 } }));
                await client.PostJsonAsync("/api/tasks/batch", new { tasks }).ExpectAsync(HttpStatusCode.OK);
                await Eventually.Until(() => client.GetAsync($"/api/stats/timeseries?{query}").ExpectAsync(HttpStatusCode.OK),
                    s => Sum(s, "succeeded") == 24 && Sum(s, "failed") == 4, Api.Deadline, "the minute rows count 24 successes and 4 failures");
            }

            var onFirst = await SettledAsync(first, query);
            Assert.NotEmpty(onFirst);
            Assert.Equal(onFirst, await SettledAsync(second, query));

            // Both stop (flushing what they gathered); a silo that never saw these tasks serves the same history.
            await second.DisposeAsync();
            await first.DisposeAsync();
            await using var third = new PeerStatsSilo(new ClusterPeerDatabase(owner));
            await third.InitializeAsync();
            Assert.Equal(onFirst, await SettledAsync(third, query));
        }
        finally
        {
            // Disposing a host twice is a no-op: these only matter when the test failed before its own disposals.
            if (second is not null)
            {
                await second.DisposeAsync();
            }
            await first.DisposeAsync();
            await owner.DisposeAsync();
        }
    }

    private static string Q(DateTimeOffset t) => Uri.EscapeDataString(t.ToString("O", CultureInfo.InvariantCulture));

    private static long Sum(JsonElement series, string field) => series.GetProperty("points").EnumerateArray().Sum(p => p.GetProperty(field).GetInt64());

    /// <summary>The series' settled figures, one line per step that has any.</summary>
    private static async Task<List<string>> SettledAsync(StatsSiloFactory silo, string query)
    {
        using var client = silo.CreateApiClient();
        var series = await client.GetAsync($"/api/stats/timeseries?{query}").ExpectAsync(HttpStatusCode.OK);
        return series.GetProperty("points").EnumerateArray()
            .Where(p => p.GetProperty("enqueued").GetInt64() > 0 || p.GetProperty("succeeded").GetInt64() > 0 || p.GetProperty("failed").GetInt64() > 0)
            .Select(p => p.GetProperty("at").GetString() + " " + string.Join(" ", Settled.Select(f => $"{f}={(p.TryGetProperty(f, out var v) ? v.ToString() : "null")}")))
            .ToList();
    }
}
