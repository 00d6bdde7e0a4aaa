using System.Globalization;
using System.Net;
using System.Text.Json;
using OmniActors.Stats;
using OmniActors.Tests.Http;
using OmniActors.Tests.Storage;
using OmniActors.Tests.Support;

namespace OmniActors.Tests.Stats;

/// <summary>The real silo app over HTTP with the statistics flushed every 200 ms, on SQLite or PostgreSQL.</summary>
public abstract class StatsSiloFactory(TempDatabase database) : SiloAppFactory(database, "test-key")
{
    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings => new Dictionary<string, string?>
    {
        ["OmniActors:Stats:FlushInterval"] = "00:00:00.200",
    };
}

public sealed class SqliteStatsSilo() : StatsSiloFactory(new TempSqliteFile());

public sealed class PostgresStatsSilo() : StatsSiloFactory(new TempPostgresDatabase());

[CollectionDefinition(Name)]
public sealed class SqliteStatsCollection : ICollectionFixture<SqliteStatsSilo>
{
    public const string Name = "stats on sqlite";
}

[CollectionDefinition(Name)]
public sealed class PostgresStatsCollection : ICollectionFixture<PostgresStatsSilo>
{
    public const string Name = "stats on postgresql";
}

public abstract class StatsTimeseriesTests(StatsSiloFactory silo) : IDisposable
{
    private readonly HttpClient _client = silo.CreateApiClient();

    public void Dispose()
    {
        _client.Dispose();
        GC.SuppressFinalize(this);
    }

    private static string Q(DateTimeOffset t) => Uri.EscapeDataString(t.ToString("O", CultureInfo.InvariantCulture));

    private Task<JsonElement> SeriesAsync(string query) => _client.GetAsync($"/api/stats/timeseries?{query}").ExpectAsync(HttpStatusCode.OK);

    private static long Sum(JsonElement series, string field) => series.GetProperty("points").EnumerateArray().Sum(p => p.GetProperty(field).GetInt64());

    [Fact]
    public async Task Finished_tasks_are_counted_per_minute_with_their_wait_and_survive_in_the_table()
    {
        var queue = Api.UniqueQueue("rollup");
        var from = DateTimeOffset.UtcNow.AddMinutes(-2);
        for (var i = 0; i < 5; i++)
        {
            await _client.EnqueueAsync(new { action = "echo", queue, payload = new { i } });
        }
        for (var i = 0; i < 2; i++)
        {
            await _client.EnqueueAsync(new { action = "test-fail", queue, retry = new { maxAttempts = 1 } });
        }

        var series = await Eventually.Until(() => SeriesAsync($"queue={queue}&from={Q(from)}&step=1m"),
            s => Sum(s, "succeeded") == 5 && Sum(s, "failed") == 2, Api.Deadline, "the minute rows count 5 successes and 2 failures");

        Assert.Equal("rollups", series.GetProperty("source").GetString());
        Assert.Equal(60, series.GetProperty("stepSeconds").GetInt64());
        Assert.Equal(7, Sum(series, "enqueued"));
        Assert.Equal(7, Sum(series, "started"));
        Assert.Equal(2, Sum(series, "deadLettered"));
        var busy = series.GetProperty("points").EnumerateArray().Where(p => p.GetProperty("started").GetInt64() > 0).ToList();
        Assert.NotEmpty(busy);
        Assert.All(busy, p => Assert.True(p.GetProperty("waitP99Ms").GetDouble() >= p.GetProperty("waitP50Ms").GetDouble()));
        Assert.InRange(await silo.Database.ScalarAsync("SELECT COUNT(*) FROM omni_stats_minute WHERE queue = @q", ("@q", queue)) is { } n
            ? Convert.ToInt64(n, CultureInfo.InvariantCulture) : 0, 1, 3);

        // All queues add this one's figures to everyone else's.
        var all = await SeriesAsync($"from={Q(from)}&step=1m");
        Assert.True(Sum(all, "succeeded") >= 5);
    }

    [Fact]
    public async Task The_per_second_series_counts_from_the_event_log()
    {
        var queue = Api.UniqueQueue("persecond");
        var from = DateTimeOffset.UtcNow.AddSeconds(-5);
        for (var i = 0; i < 3; i++)
        {
            await _client.UntilStatusAsync((await _client.EnqueueAsync(new { action = "echo", queue })).Id(), "succeeded");
        }

        var series = await SeriesAsync($"queue={queue}&from={Q(from)}&to={Q(DateTimeOffset.UtcNow.AddSeconds(1))}&step=1s");

        Assert.Equal("event_log", series.GetProperty("source").GetString());
        Assert.Equal(1, series.GetProperty("stepSeconds").GetInt64());
        Assert.Equal(3, Sum(series, "succeeded"));
        Assert.Equal(3, Sum(series, "enqueued"));
        var points = series.GetProperty("points").EnumerateArray().Select(p => p.GetProperty("at").GetDateTimeOffset()).ToList();
        Assert.All(points.Zip(points.Skip(1)), pair => Assert.Equal(TimeSpan.FromSeconds(1), pair.Second - pair.First));
    }

    [Fact]
    public async Task Running_tasks_are_sampled_into_the_series()
    {
        var queue = Api.UniqueQueue("sampled");
        var from = DateTimeOffset.UtcNow.AddMinutes(-1);
        var ids = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            ids.Add((await _client.EnqueueAsync(new { action = "test-block", queue })).Id());
        }
        try
        {
            await Eventually.Until(() => SeriesAsync($"queue={queue}&from={Q(from)}&step=1m"),
                s => s.GetProperty("points").EnumerateArray().Any(p => p.TryGetProperty("running", out var r) && r.GetDouble() > 0),
                Api.Deadline, "the running tasks show in the series");
        }
        finally
        {
            foreach (var id in ids)
            {
                silo.Probe.Gate(id).TrySetResult();
            }
        }
    }

    [Fact]
    public async Task Rows_past_the_retention_are_deleted()
    {
        var old = StatsTimeseries.Minute(DateTimeOffset.UtcNow.AddDays(-30).ToUnixTimeMilliseconds());
        var queue = Api.UniqueQueue("old");
        await silo.Database.ExecuteAsync("INSERT INTO omni_stats_minute (queue, minute, succeeded) VALUES (@q, @m, 1)", ("@q", queue), ("@m", old));

        await silo.Service<StatsRollup>().SweepAsync();

        Assert.Equal(0L, Convert.ToInt64(await silo.Database.ScalarAsync("SELECT COUNT(*) FROM omni_stats_minute WHERE queue = @q", ("@q", queue)),
            CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("step=abc", "invalid_step")]
    [InlineData("step=90s", "invalid_step")]
    [InlineData("step=0", "invalid_step")]
    [InlineData("step=1s&from=2026-01-01T00:00:00Z&to=2026-01-01T02:00:00Z", "invalid_step")]
    [InlineData("from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", "invalid_time_range")]
    [InlineData("step=1m&from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", "too_many_points")]
    [InlineData("queue=-bad", "invalid_queue")]
    public async Task Bad_input_is_a_400_problem_with_a_code(string query, string code) =>
        await _client.GetAsync($"/api/stats/timeseries?{query}").ExpectProblemAsync(HttpStatusCode.BadRequest, code);

    [Fact]
    public async Task The_series_needs_the_api_key()
    {
        using var anonymous = silo.CreateClient();
        using var response = await anonymous.GetAsync(Api.Url("/api/stats/timeseries"));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}

[Collection(SqliteStatsCollection.Name)]
public sealed class SqliteStatsTimeseriesTests(SqliteStatsSilo silo) : StatsTimeseriesTests(silo);

[Collection(PostgresStatsCollection.Name)]
public sealed class PostgresStatsTimeseriesTests(PostgresStatsSilo silo) : StatsTimeseriesTests(silo);
