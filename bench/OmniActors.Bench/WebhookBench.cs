using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;

namespace OmniActors.Bench;

/// <summary>
/// The event fabric against a real silo over real HTTP: Telegram webhook ingest at a paced rate (ack latency, ingest
/// lag), identity resolution (uncached and cached), recent-events queries on a large <c>omni_events</c> table (loaded
/// straight into the database) and the storage of the canonical record against the raw capture.
/// </summary>
internal static class WebhookBench
{
    private const string Provider = "telegram";
    private const string Secret = "bench-telegram-secret-token-0123456789";
    private const string SecretHeader = "X-Telegram-Bot-Api-Secret-Token";
    private const int Senders = 50;
    private const int LoadInstances = 10;

    private static readonly string[] Texts =
    [
        "hi! are you open tomorrow?", "Can I change my order #48213 to two large ones please", "ok thanks 👍",
        "What time does the delivery arrive? I'm out until 6pm", "/start", "send me the invoice for last month please",
        "Is there parking near the shop?", "yes", "The link you sent doesn't open on my phone, can you send it again?",
        "Bom dia! Vocês entregam no sábado?", "I'd like to book a table for 4 at 8pm on Friday", "no",
        "where is my package? tracking says delivered but nothing here", "thank you so much, that fixed it",
    ];

    private static readonly string[] FirstNames = ["Ana", "Ben", "Chen", "Dmitri", "Elif", "Fatima", "Goran", "Hana", "Ivan", "Jo"];

    public static async Task<List<Figure>> RunAsync(BenchCluster cluster, BenchOptions options, Action<string> progress)
    {
        var instance = "bench-" + Guid.NewGuid().ToString("N")[..8];
        await CreateInstanceAsync(cluster, instance);
        var figures = new List<Figure>();
        figures.AddRange(await IngestAsync(cluster, options, instance, progress));
        figures.AddRange(await StorageOverheadAsync(cluster, instance));
        figures.AddRange(await StorageByProviderAsync(cluster, options, progress));
        figures.AddRange(await IdentitiesAsync(cluster, options));
        figures.AddRange(await RecentEventsAsync(cluster, options, progress));
        return figures;
    }

    private static async Task CreateInstanceAsync(BenchCluster cluster, string instance, string provider = Provider, string secret = Secret)
    {
        using var response = await cluster.Http.PostAsync(new Uri(cluster.Silos[0].BaseAddress, "api/webhook-instances"),
            JsonContent.Create(new Dictionary<string, object> { ["provider"] = provider, ["instance"] = instance, ["secret"] = secret }));
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"POST /api/webhook-instances: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    /// <summary>A Telegram <c>Update</c> with a text message, as the Bot API posts it: one of <see cref="Senders"/>
    /// people, in their private chat or (one in five) a group.</summary>
    private static byte[] TelegramUpdate(long updateId, int i, long unixSeconds)
    {
        var sender = 700_000_000L + (i * 7919 % Senders);
        var first = FirstNames[(int)(sender % FirstNames.Length)];
        var group = i % 5 == 0;
        var chat = group
            ? $$"""{"id":-100{{1_500_000_000L + sender % 7}},"title":"Bench group {{sender % 7}}","type":"supergroup"}"""
            : $$"""{"id":{{sender}},"first_name":"{{first}}","username":"user{{sender}}","type":"private"}""";
        var text = JsonEncodedText.Encode(Texts[i % Texts.Length]);
        return Encoding.UTF8.GetBytes(
            $$$"""{"update_id":{{{updateId}}},"message":{"message_id":{{{10_000 + i}}},"from":{"id":{{{sender}}},"is_bot":false,"first_name":"{{{first}}}","last_name":"Bench","username":"user{{{sender}}}","language_code":"en"},"chat":{{{chat}}},"date":{{{unixSeconds}}},"text":"{{{text}}}"}}""");
    }

    /// <summary>
    /// Webhook POSTs at a paced rate, open loop (each leaves at its due time whether or not earlier ones were answered).
    /// Ack latency is the POST's duration. Ingest lag is read afterwards from the rows, for every webhook: the event's
    /// <c>processed_at</c> (stamped by the silo as it stores an event no rule routes, in the commit that makes it
    /// queryable) minus the moment the bench sent the POST (same machine, same clock, ms resolution). It used to be polled
    /// with <c>GET /api/events/{id}</c>, but those polls (hundreds a second of 404s while a backlog lasted) cost the silo
    /// more CPU than the webhooks they measured.
    /// </summary>
    private static async Task<List<Figure>> IngestAsync(BenchCluster cluster, BenchOptions options, string instance, Action<string> progress)
    {
        var rate = options.WebhookRate;
        var count = Math.Max(1, (int)(rate * options.WebhookSeconds));
        var baseUpdateId = Random.Shared.NextInt64(100_000_000, 900_000_000);
        var nextUpdate = 0;
        // Warm-up (not measured): JIT, connections, the pipeline's and identity cache's first sight of the senders.
        var warmCount = Math.Min(rate, count);
        var warm = await PacedWebhooksAsync(cluster, instance, rate, warmCount, () => baseUpdateId + nextUpdate++);
        cluster.EnterQuotas();
        var cpu = cluster.SiloCpu();
        var run = await PacedWebhooksAsync(cluster, instance, rate, count, () => baseUpdateId + nextUpdate++);
        await WaitIngestedAsync(cluster, instance, warmCount - warm.Failed + count - run.Failed, options.Timeout);
        var cpuUsed = cluster.SiloCpu() - cpu;
        var lags = await IngestLagsAsync(cluster, instance, run.SentAt);
        var bench = $"webhook_ingest@{rate}/s";
        var extra = new Dictionary<string, object> { ["rate"] = rate, ["provider"] = Provider };
        progress($"{bench}: sent {count} at {count / run.SendSeconds:F0}/s, {run.Failed} failed{(run.FirstError is { } e ? $" (first: {e})" : "")}, {lags.Count} lags read");
        var figures = new List<Figure>();
        figures.AddRange(Stats.Percentiles(bench, "ack", run.Acks, "ms", count, 1, extra));
        figures.AddRange(Stats.Percentiles(bench, "ingest_lag", lags, "ms", lags.Count, 1, extra));
        figures.Add(new Figure(bench, "achieved_rate", count / run.SendSeconds, "requests/s", count, 1, extra));
        figures.Add(new Figure(bench, "failed", run.Failed, "requests", count, 1, extra));
        figures.Add(new Figure(bench, "silo_cpu_per_webhook", cpuUsed.TotalMilliseconds * 1000 / count, "us", count, 1, extra));
        return figures;
    }

    /// <summary>Send → stored (processed_at) of each acknowledged webhook of the run, by its update id.</summary>
    private static async Task<List<double>> IngestLagsAsync(BenchCluster cluster, string instance, IReadOnlyDictionary<long, long> sentAt)
    {
        var lags = new List<double>(sentAt.Count);
        await using var connection = await cluster.OpenWritableAsync();
        await using var cmd = BenchCluster.Command(connection,
            "SELECT provider_event_id, processed_at FROM omni_events WHERE instance = @i AND processed_at IS NOT NULL", ("@i", instance));
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            if (long.TryParse(reader.GetString(0), NumberStyles.None, CultureInfo.InvariantCulture, out var updateId) && sentAt.TryGetValue(updateId, out var sent))
            {
                lags.Add(Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture) - sent);
            }
        }
        return lags;
    }

    private sealed record PacedRun(List<double> Acks, IReadOnlyDictionary<long, long> SentAt, int Failed, double SendSeconds, string? FirstError);

    private static async Task<PacedRun> PacedWebhooksAsync(BenchCluster cluster, string instance, int rate, int count, Func<long> nextUpdateId)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var bodies = Enumerable.Range(0, count).Select(i => { var id = nextUpdateId(); return (Id: id, Body: TelegramUpdate(id, i, now)); }).ToArray();
        var acks = new double[count];
        var sentAt = new long[count];
        var accepted = new bool[count];
        var failed = 0;
        string? firstError = null;
        var pending = new Task[count];
        async Task One(int i)
        {
            var start = Stopwatch.GetTimestamp();
            sentAt[i] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(cluster.NextBaseAddress(), $"webhooks/{Provider}/{instance}"));
                request.Headers.Add(SecretHeader, Secret);
                request.Content = new ByteArrayContent(bodies[i].Body);
                request.Content.Headers.ContentType = new("application/json");
                using var response = await cluster.Http.SendAsync(request);
                var answer = await response.Content.ReadAsStringAsync();
                acks[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                if (response.StatusCode != HttpStatusCode.OK || !answer.Contains("\"accepted\"", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref failed);
                    Interlocked.CompareExchange(ref firstError, $"{(int)response.StatusCode} {answer}", null);
                    return;
                }
                accepted[i] = true;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                acks[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                Interlocked.Increment(ref failed);
                Interlocked.CompareExchange(ref firstError, ex.Message, null);
            }
        }
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            var wait = TimeSpan.FromSeconds((double)i / rate) - sw.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait);
            }
            pending[i] = One(i);
        }
        var sendSeconds = Math.Max(sw.Elapsed.TotalSeconds, 1.0 / rate);
        await Task.WhenAll(pending);
        var sent = Enumerable.Range(0, count).Where(i => accepted[i]).ToDictionary(i => bodies[i].Id, i => sentAt[i]);
        return new PacedRun([.. acks], sent, failed, sendSeconds, firstError);
    }

    /// <summary>Waits until <paramref name="count"/> raw captures of the instance are fully ingested (normalized,
    /// identities resolved, routed: <c>processed_at</c> set).</summary>
    private static async Task WaitIngestedAsync(BenchCluster cluster, string instance, long count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            long done;
            await using (var connection = await cluster.OpenWritableAsync())
            await using (var cmd = BenchCluster.Command(connection,
                             "SELECT COUNT(*) FROM omni_raw_events WHERE instance = @i AND processed_at IS NOT NULL", ("@i", instance)))
            {
                done = Convert.ToInt64(await cmd.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
            }
            if (done >= count)
            {
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{done} of {count} webhooks of {instance} were ingested within {timeout}.");
            }
            await Task.Delay(200);
        }
    }

    /// <summary>Bytes of the canonical records (<c>omni_events</c>) against the raw captures (<c>omni_raw_events</c>) of the
    /// webhooks just ingested: rows alone and with indexes. Measured before the bulk load, so both tables hold only them.</summary>
    private static async Task<List<Figure>> StorageOverheadAsync(BenchCluster cluster, string instance)
    {
        long eventRows, rawRows, eventTotal, rawTotal, n;
        await using var connection = await cluster.OpenWritableAsync();
        n = await InstanceScalarAsync(connection, instance, "SELECT COUNT(*) FROM omni_events WHERE instance = @i");
        if (cluster.IsPostgres)
        {
            (eventRows, rawRows) = await PostgresRowBytesAsync(connection, instance);
            // Heap, indexes and TOAST, dead tuples of the ingest's updates (status, processed_at) included.
            eventTotal = await InstanceScalarAsync(connection, instance, "SELECT pg_total_relation_size('omni_events')");
            rawTotal = await InstanceScalarAsync(connection, instance, "SELECT pg_total_relation_size('omni_raw_events')");
        }
        else
        {
            // This SQLite build has no dbstat table, so the sizes are file-size deltas on a copy (VACUUM INTO): drop a table's
            // indexes, then the table, vacuuming after each, and read the file shrinking (page granularity).
            (eventRows, eventTotal, rawRows, rawTotal) = await SqliteSizesAsync((SqliteConnection)connection);
        }
        const string bench = "webhook_storage";
        var extra = new Dictionary<string, object> { ["provider"] = Provider };
        return
        [
            new(bench, "canonical_over_raw_rows", 100.0 * eventRows / Math.Max(rawRows, 1), "%", n, 1, extra),
            new(bench, "canonical_over_raw_total", 100.0 * eventTotal / Math.Max(rawTotal, 1), "%", n, 1, extra),
            new(bench, "event_row_bytes_per_event", eventRows / (double)Math.Max(n, 1), "bytes", n, 1, extra),
            new(bench, "raw_row_bytes_per_event", rawRows / (double)Math.Max(n, 1), "bytes", n, 1, extra),
            new(bench, "event_total_bytes_per_event", eventTotal / (double)Math.Max(n, 1), "bytes", n, 1, extra),
            new(bench, "raw_total_bytes_per_event", rawTotal / (double)Math.Max(n, 1), "bytes", n, 1, extra),
        ];
    }

    /// <summary>A WhatsApp Cloud API <c>messages</c> webhook with one inbound text message, as Meta documents it.</summary>
    private static byte[] WhatsAppCloudMessage(int i, long unixSeconds)
    {
        var customer = 16_505_550_000L + (i * 7919 % Senders);
        var text = JsonEncodedText.Encode(Texts[i % Texts.Length]);
        var wamid = "wamid.HBgL" + Convert.ToBase64String(Encoding.ASCII.GetBytes($"{customer}:{i:D10}:{unixSeconds}"));
        return Encoding.UTF8.GetBytes(
            $$$"""{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"{{{FirstNames[(int)(customer % FirstNames.Length)]}}} Bench"},"wa_id":"{{{customer}}}"}],"messages":[{"from":"{{{customer}}}","id":"{{{wamid}}}","timestamp":"{{{unixSeconds}}}","type":"text","text":{"body":"{{{text}}}"}}]},"field":"messages"}]}]}""");
    }

    /// <summary>An Evolution API v2 <c>messages.upsert</c> with one inbound text message (the Baileys WAMessage in its
    /// envelope, the instance's apikey in the body as Evolution sends it).</summary>
    private static byte[] EvolutionMessage(string instance, string apiKey, int i, long unixSeconds)
    {
        var phone = 5_511_900_000_000L + (i * 7919 % Senders);
        var text = JsonEncodedText.Encode(Texts[i % Texts.Length]);
        var id = "3EB0" + Convert.ToHexString(BitConverter.GetBytes((long)i * 2_654_435_761L + unixSeconds));
        return Encoding.UTF8.GetBytes(
            $$$"""{"event":"messages.upsert","instance":"{{{instance}}}","data":{"key":{"remoteJid":"{{{phone}}}@s.whatsapp.net","fromMe":false,"id":"{{{id}}}"},"pushName":"{{{FirstNames[(int)(phone % FirstNames.Length)]}}} Bench","status":"DELIVERY_ACK","message":{"conversation":"{{{text}}}","messageContextInfo":{"deviceListMetadataVersion":2}},"messageType":"conversation","messageTimestamp":{{{unixSeconds}}},"instanceId":"bae4c1f0-7c2d-4a4e-9b1e-3f2a1c0d9e8f","source":"android"},"destination":"https://omni.example.com/webhooks/evolution/{{{instance}}}","date_time":"{{{DateTimeOffset.FromUnixTimeSeconds(unixSeconds):yyyy-MM-ddTHH:mm:ss.fffZ}}}","sender":"5511988887777@s.whatsapp.net","server_url":"http://evolution:8080","apikey":"{{{apiKey}}}"}""");
    }

    /// <summary>
    /// The canonical record against the raw capture for the two WhatsApp providers too (PostgreSQL only: its
    /// <c>pg_column_size</c> measures one instance's rows; SQLite has no per-row size): <c>--storage-events</c> realistic
    /// text messages of each (WhatsApp Cloud signed with <c>X-Hub-Signature-256</c>, Evolution with its apikey in the
    /// body, which is cut before storing), 16 in flight, then fully ingested.
    /// </summary>
    private static async Task<List<Figure>> StorageByProviderAsync(BenchCluster cluster, BenchOptions options, Action<string> progress)
    {
        if (!cluster.IsPostgres)
        {
            return [];
        }
        var count = options.StorageEvents;
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var figures = new List<Figure>();
        foreach (var provider in new[] { "whatsapp", "evolution" })
        {
            var instance = "bench-" + Guid.NewGuid().ToString("N")[..8];
            var secret = "bench-" + provider + "-secret-0123456789abcdef";
            await CreateInstanceAsync(cluster, instance, provider, secret);
            using var gate = new SemaphoreSlim(16);
            var failed = 0;
            await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
            {
                await gate.WaitAsync();
                try
                {
                    var body = provider == "evolution" ? EvolutionMessage(instance, secret, i, now) : WhatsAppCloudMessage(i, now);
                    using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(cluster.NextBaseAddress(), $"webhooks/{provider}/{instance}"));
                    if (provider == "whatsapp")
                    {
                        request.Headers.Add("X-Hub-Signature-256", "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body)));
                    }
                    request.Content = new ByteArrayContent(body);
                    request.Content.Headers.ContentType = new("application/json");
                    using var response = await cluster.Http.SendAsync(request);
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        Interlocked.Increment(ref failed);
                    }
                }
                finally
                {
                    gate.Release();
                }
            }));
            await WaitIngestedAsync(cluster, instance, count - failed, options.Timeout);
            await using var connection = await cluster.OpenWritableAsync();
            var n = await InstanceScalarAsync(connection, instance, "SELECT COUNT(*) FROM omni_events WHERE instance = @i");
            var (eventRows, rawRows) = await PostgresRowBytesAsync(connection, instance);
            var bodies = await InstanceScalarAsync(connection, instance, "SELECT COALESCE(SUM(octet_length(body)), 0) FROM omni_raw_events WHERE instance = @i");
            progress($"webhook_storage_{provider}: {n} events of {count} sent, {failed} refused");
            var bench = $"webhook_storage_{provider}";
            var extra = new Dictionary<string, object> { ["provider"] = provider };
            figures.Add(new(bench, "canonical_over_raw_rows", 100.0 * eventRows / Math.Max(rawRows, 1), "%", n, 16, extra));
            figures.Add(new(bench, "event_row_bytes_per_event", eventRows / (double)Math.Max(n, 1), "bytes", n, 16, extra));
            figures.Add(new(bench, "raw_row_bytes_per_event", rawRows / (double)Math.Max(n, 1), "bytes", n, 16, extra));
            figures.Add(new(bench, "raw_body_bytes_per_event", bodies / (double)Math.Max(n, 1), "bytes", n, 16, extra));
            figures.Add(new(bench, "refused", failed, "requests", count, 16, extra));
        }
        return figures;
    }

    /// <summary>A whole number a query of one instance (<c>@i</c>) answers.</summary>
    private static async Task<long> InstanceScalarAsync(DbConnection connection, string instance, string sql)
    {
        await using var cmd = BenchCluster.Command(connection, sql, ("@i", instance));
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    /// <summary>PostgreSQL: bytes of an instance's event rows and raw rows, as <c>pg_column_size</c> of the whole row
    /// (the tuple's data as stored, compressed values compressed, no page overhead).</summary>
    private static async Task<(long EventRows, long RawRows)> PostgresRowBytesAsync(DbConnection connection, string instance) =>
        (await InstanceScalarAsync(connection, instance, "SELECT COALESCE(SUM(pg_column_size(e.*)), 0) FROM omni_events e WHERE instance = @i"),
         await InstanceScalarAsync(connection, instance, "SELECT COALESCE(SUM(pg_column_size(r.*)), 0) FROM omni_raw_events r WHERE instance = @i"));

    private static async Task<(long EventRows, long EventTotal, long RawRows, long RawTotal)> SqliteSizesAsync(SqliteConnection live)
    {
        var copy = Path.Combine(Path.GetTempPath(), $"omni-bench-size-{Guid.NewGuid():N}.db");
        try
        {
            await using (var vacuumInto = BenchCluster.Command(live, "VACUUM INTO @copy", ("@copy", copy)))
            {
                await vacuumInto.ExecuteNonQueryAsync();
            }
            await using var db = new SqliteConnection($"Data Source={copy};Pooling=False");
            await db.OpenAsync();
            async Task<long> Size()
            {
                await using (var vacuum = BenchCluster.Command(db, "VACUUM"))
                {
                    await vacuum.ExecuteNonQueryAsync();
                }
                await using var pages = BenchCluster.Command(db, "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()");
                return Convert.ToInt64(await pages.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
            }
            async Task<(long Rows, long Total)> DropAsync(string table)
            {
                var before = await Size();
                var indexes = new List<string>();
                await using (var list = BenchCluster.Command(db, "SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = @t AND sql IS NOT NULL", ("@t", table)))
                await using (var reader = await list.ExecuteReaderAsync())
                {
                    while (await reader.ReadAsync())
                    {
                        indexes.Add(reader.GetString(0));
                    }
                }
                foreach (var index in indexes)
                {
                    await using var drop = BenchCluster.Command(db, $"DROP INDEX \"{index}\"");
                    await drop.ExecuteNonQueryAsync();
                }
                var tableOnly = await Size();
                await using (var drop = BenchCluster.Command(db, $"DROP TABLE \"{table}\""))
                {
                    await drop.ExecuteNonQueryAsync();
                }
                var without = await Size();
                return (tableOnly - without, before - without);
            }
            var events = await DropAsync("omni_events");
            var raw = await DropAsync("omni_raw_events");
            return (events.Rows, events.Total, raw.Rows, raw.Total);
        }
        finally
        {
            File.Delete(copy);
        }
    }

    /// <summary><c>POST /api/identities/resolve</c> one call at a time to the first silo (the cache is per silo): new
    /// handles (first sight: created), then the same handles again (cached).</summary>
    private static async Task<List<Figure>> IdentitiesAsync(BenchCluster cluster, BenchOptions options)
    {
        var uri = new Uri(cluster.Silos[0].BaseAddress, "api/identities/resolve");
        var prefix = Guid.NewGuid().ToString("N")[..8];
        async Task<double> Resolve(string handle)
        {
            var start = Stopwatch.GetTimestamp();
            using var response = await cluster.Http.PostAsync(uri, JsonContent.Create(new Dictionary<string, string>
            {
                ["provider"] = Provider, ["handle"] = handle, ["display_name"] = "Bench " + handle,
            }));
            await response.Content.ReadAsByteArrayAsync();
            var ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new InvalidOperationException($"resolve {handle}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
            return ms;
        }
        for (var i = 0; i < 20; i++)
        {
            await Resolve($"warm-{prefix}-{i}");
            await Resolve($"warm-{prefix}-{i}");
        }
        var handles = Enumerable.Range(0, options.Queries).Select(i => $"{prefix}-{900_000 + i}").ToList();
        var uncached = new List<double>();
        foreach (var h in handles)
        {
            uncached.Add(await Resolve(h));
        }
        var cached = new List<double>();
        foreach (var h in handles)
        {
            cached.Add(await Resolve(h));
        }
        return
        [
            .. Stats.Percentiles("identity_resolve", "uncached", uncached, "ms", handles.Count, 1),
            .. Stats.Percentiles("identity_resolve", "cached", cached, "ms", handles.Count, 1),
        ];
    }

    /// <summary>Loads <see cref="BenchOptions.Events"/> events straight into <c>omni_events</c> (spread over instances, chats and
    /// identities, a week of received times), then times <c>GET /api/events?…&amp;limit=50</c> by instance, chat and identity.</summary>
    private static async Task<List<Figure>> RecentEventsAsync(BenchCluster cluster, BenchOptions options, Action<string> progress)
    {
        var n = options.Events;
        var chats = Math.Max(10, n / 100);
        var identities = Math.Max(10, n / 50);
        var tag = Guid.NewGuid().ToString("N")[..6];
        var sw = Stopwatch.StartNew();
        await LoadEventsAsync(cluster, n, chats, identities, tag);
        var loadSeconds = sw.Elapsed.TotalSeconds;
        progress($"recent_events: loaded {n} events in {loadSeconds:F1} s ({n / loadSeconds:F0}/s)");
        var figures = new List<Figure>
        {
            new("recent_events", "load_rate", n / loadSeconds, "events/s", n, 1),
        };
        var random = new Random(42);
        foreach (var (kind, key) in new (string, Func<string>)[]
                 {
                     ("instance", () => $"load-{tag}-{random.Next(LoadInstances)}"),
                     ("chat", () => $"chat-{tag}-{random.Next(chats)}"),
                     ("identity", () => $"id{tag}{random.Next(identities):D26}"),
                 })
        {
            async Task<double> Query()
            {
                var uri = new Uri(cluster.NextBaseAddress(), $"api/events?{kind}={Uri.EscapeDataString(key())}&limit=50");
                var start = Stopwatch.GetTimestamp();
                using var response = await cluster.Http.GetAsync(uri);
                var body = await response.Content.ReadAsByteArrayAsync();
                var ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                using var page = response.StatusCode == HttpStatusCode.OK ? JsonDocument.Parse(body) : null;
                if (page is null || page.RootElement.GetProperty("items").GetArrayLength() == 0)
                {
                    throw new InvalidOperationException($"GET {uri}: {(int)response.StatusCode}, no events: {Encoding.UTF8.GetString(body)[..Math.Min(body.Length, 300)]}");
                }
                return ms;
            }
            for (var i = 0; i < 10; i++)
            {
                await Query();
            }
            var times = new List<double>();
            for (var i = 0; i < options.Queries; i++)
            {
                times.Add(await Query());
            }
            var extra = new Dictionary<string, object> { ["by"] = kind, ["limit"] = 50, ["chats"] = chats, ["identities"] = identities, ["instances"] = LoadInstances };
            figures.AddRange(Stats.Percentiles($"recent_events_by_{kind}", "query", times, "ms", n, 1, extra));
        }
        return figures;
    }

    private static readonly string[] EventColumns =
    [
        "id", "provider", "instance", "provider_event_id", "event_type", "direction", "sender_identity_id", "sender_handle", "sender_name",
        "chat_id", "content_type", "text", "metadata", "status", "retry_count", "provider_timestamp", "received_at", "processed_at",
    ];

    /// <summary>One loaded event's column values, in <see cref="EventColumns"/> order. Received times rise with i over the
    /// last week (as a table fills); sender and chat are drawn at random; identity ids are as long as real ones (34
    /// characters); the raw payload is taken as purged (raw_id null).</summary>
    private static object[] LoadedEvent(int i, int n, int chats, int identities, string tag, Random random, long weekAgo)
    {
        var chat = random.Next(chats);
        var identity = random.Next(identities);
        var received = weekAgo + (long)(i * (7 * 86_400_000.0 / n));
        return
        [
            "ev" + tag + i.ToString("D24", CultureInfo.InvariantCulture), Provider, $"load-{tag}-{chat % LoadInstances}", (5_000_000_000L + i).ToString(CultureInfo.InvariantCulture),
            "message", "inbound", $"id{tag}{identity:D26}", (800_000_000L + identity).ToString(CultureInfo.InvariantCulture), FirstNames[identity % FirstNames.Length] + " Load",
            $"chat-{tag}-{chat}", "text", Texts[i % Texts.Length], $$"""{"message_id":"{{i}}"}""", "processed", 0L, received - 900, received, received + 4,
        ];
    }

    private static async Task LoadEventsAsync(BenchCluster cluster, int n, int chats, int identities, string tag)
    {
        var random = new Random(7);
        var weekAgo = DateTimeOffset.UtcNow.AddDays(-7).ToUnixTimeMilliseconds();
        await using var connection = await cluster.OpenWritableAsync();
        if (connection is NpgsqlConnection pg)
        {
            await using (var importer = await pg.BeginBinaryImportAsync($"COPY omni_events ({string.Join(", ", EventColumns)}) FROM STDIN (FORMAT BINARY)"))
            {
                for (var i = 0; i < n; i++)
                {
                    await importer.StartRowAsync();
                    foreach (var value in LoadedEvent(i, n, chats, identities, tag, random, weekAgo))
                    {
                        if (value is long l)
                        {
                            await importer.WriteAsync(l, NpgsqlDbType.Bigint);
                        }
                        else
                        {
                            await importer.WriteAsync((string)value, NpgsqlDbType.Text);
                        }
                    }
                }
                await importer.CompleteAsync();
            }
            await using (var identityImport = await pg.BeginBinaryImportAsync("COPY omni_identities (id, display_name, created_at, updated_at) FROM STDIN (FORMAT BINARY)"))
            {
                for (var j = 0; j < identities; j++)
                {
                    await identityImport.WriteRowAsync(default, $"id{tag}{j:D26}", FirstNames[j % FirstNames.Length] + " Load", weekAgo, weekAgo);
                }
                await identityImport.CompleteAsync();
            }
            // What autovacuum would do to a table that grew this much: planner statistics for the new rows.
            await using var analyze = BenchCluster.Command(connection, "ANALYZE omni_events; ANALYZE omni_identities");
            await analyze.ExecuteNonQueryAsync();
            return;
        }
        // SQLite: one prepared insert, committed every 20,000 rows so the silo's own writes get their turn.
        var sql = $"INSERT INTO omni_events ({string.Join(", ", EventColumns)}) VALUES ({string.Join(", ", EventColumns.Select((_, k) => "@p" + k))})";
        for (var start = 0; start < n; start += 20_000)
        {
            await using var transaction = await connection.BeginTransactionAsync();
            await using var cmd = connection.CreateCommand();
            cmd.Transaction = transaction;
            cmd.CommandText = sql;
            var parameters = EventColumns.Select((_, k) =>
            {
                var p = cmd.CreateParameter();
                p.ParameterName = "@p" + k;
                cmd.Parameters.Add(p);
                return p;
            }).ToArray();
            await cmd.PrepareAsync();
            for (var i = start; i < Math.Min(n, start + 20_000); i++)
            {
                var values = LoadedEvent(i, n, chats, identities, tag, random, weekAgo);
                for (var k = 0; k < values.Length; k++)
                {
                    parameters[k].Value = values[k];
                }
                await cmd.ExecuteNonQueryAsync();
            }
            await transaction.CommitAsync();
        }
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await using var cmd = connection.CreateCommand();
            cmd.Transaction = transaction;
            cmd.CommandText = "INSERT INTO omni_identities (id, display_name, created_at, updated_at) VALUES (@id, @name, @at, @at)";
            var id = cmd.CreateParameter();
            id.ParameterName = "@id";
            var name = cmd.CreateParameter();
            name.ParameterName = "@name";
            var at = cmd.CreateParameter();
            at.ParameterName = "@at";
            at.Value = weekAgo;
            cmd.Parameters.Add(id);
            cmd.Parameters.Add(name);
            cmd.Parameters.Add(at);
            for (var j = 0; j < identities; j++)
            {
                id.Value = $"id{tag}{j:D26}";
                name.Value = FirstNames[j % FirstNames.Length] + " Load";
                await cmd.ExecuteNonQueryAsync();
            }
            await transaction.CommitAsync();
        }
    }
}
