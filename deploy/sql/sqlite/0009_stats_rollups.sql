-- OmniActors per-minute queue statistics: what the dashboard's charts and GET /api/stats/timeseries read. One row per
-- queue and minute (minute: Unix epoch milliseconds of the minute's start, UTC). Every silo aggregates its own lifecycle
-- events in memory and adds them to the minute's row every few seconds (upsert adding), so several silos add up.
-- Counts: events of the minute. wait_ms_sum and w00..w16: the enqueue-to-start wait of the attempts started in the
-- minute, as a sum and a histogram (bucket upper bounds in StatsHistogram.cs), so minutes and silos merge exactly.
-- ready_ms, scheduled_ms, running_ms: queue depth and running tasks sampled from the silo's partitions, integrated
-- over time (tasks x milliseconds, summed over silos); sampled_ms: the longest time one silo sampled in the minute.
-- The minute's average depth is ready_ms / sampled_ms. Rows older than OmniActors:Stats:Retention are deleted.
CREATE TABLE IF NOT EXISTS omni_stats_minute (
    queue          TEXT    NOT NULL,
    minute         INTEGER NOT NULL,
    enqueued       INTEGER NOT NULL DEFAULT 0,
    started        INTEGER NOT NULL DEFAULT 0,
    succeeded      INTEGER NOT NULL DEFAULT 0,
    failed         INTEGER NOT NULL DEFAULT 0,
    retried        INTEGER NOT NULL DEFAULT 0,
    dead_lettered  INTEGER NOT NULL DEFAULT 0,
    cancelled      INTEGER NOT NULL DEFAULT 0,
    wait_ms_sum    INTEGER NOT NULL DEFAULT 0,
    w00 INTEGER NOT NULL DEFAULT 0, w01 INTEGER NOT NULL DEFAULT 0, w02 INTEGER NOT NULL DEFAULT 0, w03 INTEGER NOT NULL DEFAULT 0,
    w04 INTEGER NOT NULL DEFAULT 0, w05 INTEGER NOT NULL DEFAULT 0, w06 INTEGER NOT NULL DEFAULT 0, w07 INTEGER NOT NULL DEFAULT 0,
    w08 INTEGER NOT NULL DEFAULT 0, w09 INTEGER NOT NULL DEFAULT 0, w10 INTEGER NOT NULL DEFAULT 0, w11 INTEGER NOT NULL DEFAULT 0,
    w12 INTEGER NOT NULL DEFAULT 0, w13 INTEGER NOT NULL DEFAULT 0, w14 INTEGER NOT NULL DEFAULT 0, w15 INTEGER NOT NULL DEFAULT 0,
    w16 INTEGER NOT NULL DEFAULT 0,
    ready_ms       INTEGER NOT NULL DEFAULT 0,
    scheduled_ms   INTEGER NOT NULL DEFAULT 0,
    running_ms     INTEGER NOT NULL DEFAULT 0,
    sampled_ms     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (queue, minute)
) WITHOUT ROWID;

-- All queues over a time range, and the retention delete.
CREATE INDEX IF NOT EXISTS ix_omni_stats_minute_minute ON omni_stats_minute (minute);
