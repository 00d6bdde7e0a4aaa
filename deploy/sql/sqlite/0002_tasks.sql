-- OmniActors task table: the source of truth for every task (TaskGrain state is its row).
-- Times are Unix epoch milliseconds (UTC). status is one of: scheduled, queued, running,
-- succeeded, retrying, dead_lettered, cancelled, waiting, awaiting_approval.
CREATE TABLE IF NOT EXISTS omni_tasks (
    id                TEXT    NOT NULL PRIMARY KEY,
    queue             TEXT    NOT NULL,
    partition         INTEGER NOT NULL,
    action            TEXT    NOT NULL,
    payload           TEXT    NOT NULL,
    priority          INTEGER NOT NULL,
    status            TEXT    NOT NULL,
    attempt           INTEGER NOT NULL,
    retry_policy      TEXT    NOT NULL,
    timeout_ms        INTEGER NOT NULL,
    result_ttl_ms     INTEGER NOT NULL,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    due_at            INTEGER NULL,
    started_at        INTEGER NULL,
    finished_at       INTEGER NULL,
    lease_expires_at  INTEGER NULL,
    lease_owner       TEXT    NULL,
    result            TEXT    NULL,
    result_expires_at INTEGER NULL,
    last_error        TEXT    NULL,
    idempotency_key   TEXT    NULL,
    spec_hash         TEXT    NULL,
    cancel_reason     TEXT    NULL,
    version           INTEGER NOT NULL
);

-- A queue partition reloads its pending and running tasks on activation.
CREATE INDEX IF NOT EXISTS ix_omni_tasks_partition ON omni_tasks (queue, partition, status);
-- Listing by queue and status, newest first (keyset paging on created_at, id).
CREATE INDEX IF NOT EXISTS ix_omni_tasks_queue_status ON omni_tasks (queue, status, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS ix_omni_tasks_status ON omni_tasks (status, created_at DESC, id DESC);
-- The result sweeper finds expired results without scanning finished tasks.
CREATE INDEX IF NOT EXISTS ix_omni_tasks_result_expiry ON omni_tasks (result_expires_at) WHERE result IS NOT NULL;
