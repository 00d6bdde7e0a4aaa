using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using OmniActors.Errors;
using OmniActors.Storage;

namespace OmniActors.Webhooks;

/// <summary>Raw captures and canonical events: the SQL of <c>omni_raw_events</c> and <c>omni_events</c>.</summary>
public sealed class EventStore(EventDatabase db)
{
    private const string RawColumns = "id, provider, instance, body_hash, body, received_at, processed_at, attempts, last_error";

    private const string EventColumns =
        "id, provider, instance, provider_event_id, event_type, direction, sender_identity_id, sender_handle, sender_name, " +
        "recipient_identity_id, recipient_handle, chat_id, content_type, text, media_url, media_mime_type, media_size, media_caption, " +
        "reply_to, raw_id, metadata, status, retry_count, provider_timestamp, received_at, processed_at, delivery_status";

    /// <summary>The id of the event a provider event id names within an instance (stable across redeliveries).</summary>
    public static string EventId(string provider, string instance, string providerEventId) =>
        "ev" + Hash($"{provider}\n{instance}\n{providerEventId}")[..30];

    /// <summary>SHA-256 of a text, lower-case hex.</summary>
    public static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    /// <summary>Stores a raw capture in the next group commit; false when a byte-identical body of the instance is already stored.</summary>
    public async Task<bool> InsertRawAsync(RawCapture raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        // The acknowledgement waits on this commit: the urgent lane, never behind a commit of ingest rows.
        return await db.WriteUrgentAsync(SqlStatement.Of(
            $"INSERT INTO omni_raw_events ({RawColumns}, verified) VALUES (@id, @provider, @instance, @hash, @body, @received, NULL, 0, NULL, 1) " +
            "ON CONFLICT (provider, instance, body_hash) DO NOTHING",
            ("@id", raw.Id), ("@provider", raw.Provider), ("@instance", raw.Instance), ("@hash", raw.BodyHash), ("@body", raw.Body),
            ("@received", raw.ReceivedAt.ToUnixTimeMilliseconds()))) == 1;
    }

    /// <summary>Raw captures not processed, received before <paramref name="before"/>, with attempts left, oldest first.</summary>
    public async Task<IReadOnlyList<RawCapture>> PendingRawAsync(DateTimeOffset before, int maxAttempts, int limit, CancellationToken cancellationToken = default) =>
        await db.QueryAsync(SqlStatement.Of(
            $"SELECT {RawColumns} FROM omni_raw_events WHERE processed_at IS NULL AND received_at < @before AND attempts < @max ORDER BY received_at LIMIT @limit",
            ("@before", before.ToUnixTimeMilliseconds()), ("@max", (long)maxAttempts), ("@limit", (long)limit)), ReadRaw, cancellationToken);

    /// <summary>The raw capture, or null (unknown or purged).</summary>
    public async Task<RawCapture?> GetRawAsync(string id, CancellationToken cancellationToken = default) =>
        (await db.QueryAsync(SqlStatement.Of($"SELECT {RawColumns} FROM omni_raw_events WHERE id = @id", ("@id", id)), ReadRaw, cancellationToken))
        .FirstOrDefault();

    /// <summary>Marks a raw capture fully ingested.</summary>
    public Task MarkRawProcessedAsync(string id, DateTimeOffset now) => db.WriteAsync(RawProcessed(id, now));

    private static SqlStatement RawProcessed(string id, DateTimeOffset now) =>
        SqlStatement.Of("UPDATE omni_raw_events SET processed_at = @raw_now WHERE id = @raw_id_done", ("@raw_now", now.ToUnixTimeMilliseconds()), ("@raw_id_done", id));

    /// <summary>Counts a failed ingest attempt and keeps its error.</summary>
    public Task MarkRawFailedAsync(string id, string error) =>
        db.WriteAsync(SqlStatement.Of("UPDATE omni_raw_events SET attempts = attempts + 1, last_error = @error WHERE id = @id",
            ("@error", error.Length > 2000 ? error[..2000] : error), ("@id", id)));

    /// <summary>
    /// Stores an event in the next group commit; false when its provider event (the id derives from provider, instance
    /// and provider event id) is already stored. With <paramref name="rawDone"/>, the same transaction marks that raw
    /// capture processed, whether or not the event was new: one commit for a capture whose events need no routing.
    /// </summary>
    public async Task<bool> InsertEventAsync(OmniEvent e, string? rawDone = null)
    {
        ArgumentNullException.ThrowIfNull(e);
        var insert = SqlStatement.Of(
            $"INSERT INTO omni_events ({EventColumns}) VALUES (@id, @provider, @instance, @peid, @type, @direction, @sender_id, @sender, @sender_name, " +
            "@recipient_id, @recipient, @chat, @content_type, @text, @media_url, @media_mime, @media_size, @media_caption, @reply_to, @raw_id, @metadata, " +
            "@status, @retry, @provider_ts, @received, @processed, @delivery) ON CONFLICT (id) DO NOTHING",
            ("@id", e.Id), ("@provider", e.Provider), ("@instance", e.Instance), ("@peid", e.ProviderEventId), ("@type", e.EventType),
            ("@direction", e.Direction), ("@sender_id", e.SenderIdentityId), ("@sender", e.SenderHandle), ("@sender_name", e.SenderName),
            ("@recipient_id", e.RecipientIdentityId), ("@recipient", e.RecipientHandle), ("@chat", e.ChatId), ("@content_type", e.ContentType),
            ("@text", e.Text), ("@media_url", e.Media?.Url), ("@media_mime", e.Media?.MimeType), ("@media_size", e.Media?.Size),
            ("@media_caption", e.Media?.Caption), ("@reply_to", e.ReplyTo), ("@raw_id", e.RawId), ("@metadata", e.Metadata), ("@status", e.Status),
            ("@retry", (long)e.RetryCount), ("@provider_ts", e.ProviderTimestamp?.ToUnixTimeMilliseconds()), ("@received", e.ReceivedAt.ToUnixTimeMilliseconds()),
            ("@processed", e.ProcessedAt?.ToUnixTimeMilliseconds()), ("@delivery", e.DeliveryStatus));
        var rows = rawDone is null
            ? [await db.WriteAsync(insert)]
            : await db.WriteAsync([insert, RawProcessed(rawDone, e.ProcessedAt ?? e.ReceivedAt)]);
        return rows[0] == 1;
    }

    /// <summary>Marks an event routed; with <paramref name="rawDone"/>, marks that raw capture processed in the same transaction.</summary>
    public Task MarkEventProcessedAsync(string id, DateTimeOffset now, string? rawDone = null)
    {
        var routed = SqlStatement.Of("UPDATE omni_events SET status = @status, processed_at = @now WHERE id = @id",
            ("@status", EventStatuses.Processed), ("@now", now.ToUnixTimeMilliseconds()), ("@id", id));
        return rawDone is null ? db.WriteAsync(routed) : db.WriteAsync([routed, RawProcessed(rawDone, now)]);
    }

    /// <summary>The event, or null.</summary>
    public async Task<OmniEvent?> GetEventAsync(string id, CancellationToken cancellationToken = default) =>
        (await db.QueryAsync(SqlStatement.Of($"SELECT {EventColumns} FROM omni_events WHERE id = @id", ("@id", id)), ReadEvent, cancellationToken))
        .FirstOrDefault();

    /// <summary>Recent events, newest first, keyset-paged on (received_at, id).</summary>
    public async Task<EventPage> ListAsync(EventQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var limit = Math.Clamp(query.Limit, 1, 500);
        var cursor = KeysetCursor.Decode(query.Cursor);
        var where = new List<string>();
        var parameters = new List<(string, object?)>();
        if (query.Instance is not null)
        {
            where.Add("instance = @instance");
            parameters.Add(("@instance", query.Instance));
        }
        if (query.Chat is not null)
        {
            where.Add("chat_id = @chat");
            parameters.Add(("@chat", query.Chat));
        }
        if (query.DeliveryStatus is not null)
        {
            where.Add("delivery_status = @delivery");
            parameters.Add(("@delivery", query.DeliveryStatus));
        }
        if (query.Identity is not null)
        {
            // Events keep resolving after a merge: the survivor's events include those of every identity merged into it.
            // The merged ids are read first and listed as values: an OR with a subquery made PostgreSQL scan the whole
            // events table (bench: 509 ms p50 at a million events) instead of walking the sender index.
            var merged = await db.QueryAsync(SqlStatement.Of("SELECT id FROM omni_identities WHERE merged_into = @identity",
                ("@identity", query.Identity)), r => r.GetString(0), cancellationToken);
            var ids = new List<string>(merged.Count + 1) { query.Identity };
            ids.AddRange(merged);
            where.Add("sender_identity_id IN (" + string.Join(", ", ids.Select((_, i) => $"@identity{i}")) + ")");
            parameters.AddRange(ids.Select((id, i) => ($"@identity{i}", (object?)id)));
        }
        if (query.From is { } from)
        {
            where.Add("received_at >= @from");
            parameters.Add(("@from", from.ToUnixTimeMilliseconds()));
        }
        if (query.To is { } to)
        {
            where.Add("received_at < @to");
            parameters.Add(("@to", to.ToUnixTimeMilliseconds()));
        }
        if (cursor is { } c)
        {
            where.Add("(received_at < @c_at OR (received_at = @c_at AND id < @c_id))");
            parameters.Add(("@c_at", c.At));
            parameters.Add(("@c_id", c.Id));
        }
        parameters.Add(("@limit", (long)(limit + 1)));
        var sql = $"SELECT {EventColumns} FROM omni_events" + (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "") +
                  " ORDER BY received_at DESC, id DESC LIMIT @limit";
        var rows = await db.QueryAsync(SqlStatement.Of(sql, [.. parameters]), ReadEvent, cancellationToken);
        var items = rows.Take(limit).ToList();
        return new EventPage(items, rows.Count > limit ? KeysetCursor.Encode(items[^1].ReceivedAt, items[^1].Id) : null);
    }

    /// <summary>Deletes up to <paramref name="batchSize"/> raw captures received before <paramref name="cutoff"/>; returns how many.</summary>
    public async Task<int> PurgeRawAsync(DateTimeOffset cutoff, int batchSize)
    {
        var cut = cutoff.ToUnixTimeMilliseconds();
        // The events keep their rows and raw_id: a purged capture's reference stops resolving (no index on raw_id, so no
        // per-batch update of the events table).
        return await db.WriteAsync(SqlStatement.Of(
            "DELETE FROM omni_raw_events WHERE id IN (SELECT id FROM omni_raw_events WHERE received_at < @cut LIMIT @n)",
            ("@cut", cut), ("@n", (long)batchSize)));
    }


    private static RawCapture ReadRaw(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4),
        DateTimeOffset.FromUnixTimeMilliseconds(r.WholeNumber(5)), r.NullableTime(6), (int)r.WholeNumber(7), r.NullableString(8));

    private static OmniEvent ReadEvent(DbDataReader r)
    {
        var mediaUrl = r.NullableString(14);
        var mediaMime = r.NullableString(15);
        long? mediaSize = r.IsDBNull(16) ? null : r.WholeNumber(16);
        var caption = r.NullableString(17);
        return new OmniEvent
        {
            Id = r.GetString(0),
            Provider = r.GetString(1),
            Instance = r.GetString(2),
            ProviderEventId = r.GetString(3),
            EventType = r.GetString(4),
            Direction = r.GetString(5),
            SenderIdentityId = r.NullableString(6),
            SenderHandle = r.NullableString(7),
            SenderName = r.NullableString(8),
            RecipientIdentityId = r.NullableString(9),
            RecipientHandle = r.NullableString(10),
            ChatId = r.NullableString(11),
            ContentType = r.GetString(12),
            Text = r.NullableString(13),
            Media = mediaUrl is null && mediaMime is null && mediaSize is null && caption is null ? null : new EventMedia(mediaUrl, mediaMime, mediaSize, caption),
            ReplyTo = r.NullableString(18),
            RawId = r.NullableString(19),
            Metadata = r.NullableString(20),
            Status = r.GetString(21),
            RetryCount = (int)r.WholeNumber(22),
            ProviderTimestamp = r.NullableTime(23),
            ReceivedAt = DateTimeOffset.FromUnixTimeMilliseconds(r.WholeNumber(24)),
            ProcessedAt = r.NullableTime(25),
            DeliveryStatus = r.NullableString(26),
        };
    }
}
