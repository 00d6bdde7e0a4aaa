-- OmniActors task table: the source of truth for every task (TaskGrain state is its row).
-- Times are Unix epoch milliseconds (UTC), as in the SQLite schema, so both providers share one SQL.
-- status is one of: scheduled, queued, running, succeeded, retrying, dead_lettered, cancelled,
-- waiting, awaiting_approval.
CREATE TABLE IF NOT EXISTS omni_tasks (
    id                text    NOT NULL PRIMARY KEY,
    queue             text    NOT NULL,
    partition         integer NOT NULL,
    action            text    NOT NULL,
    payload           text    NOT NULL,
    priority          integer NOT NULL,
    status            text    NOT NULL,
    attempt           integer NOT NULL,
    retry_policy      text    NOT NULL,
    timeout_ms        bigint  NOT NULL,
    result_ttl_ms     bigint  NOT NULL,
    created_at        bigint  NOT NULL,
    updated_at        bigint  NOT NULL,
    due_at            bigint  NULL,
    started_at        bigint  NULL,
    finished_at       bigint  NULL,
    lease_expires_at  bigint  NULL,
    lease_owner       text    NULL,
    result            text    NULL,
    result_expires_at bigint  NULL,
    last_error        text    NULL,
    idempotency_key   text    NULL,
    spec_hash         text    NULL,
    cancel_reason     text    NULL,
    version           bigint  NOT NULL
);

-- A queue partition reloads only its pending and running tasks on activation.
CREATE INDEX IF NOT EXISTS ix_omni_tasks_partition_pending ON omni_tasks (queue, partition)
    WHERE status IN ('scheduled', 'queued', 'retrying', 'running');
-- Listing by queue and status, newest first (keyset paging on created_at, id).
CREATE INDEX IF NOT EXISTS ix_omni_tasks_queue_status ON omni_tasks (queue, status, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS ix_omni_tasks_status ON omni_tasks (status, created_at DESC, id DESC);
-- The result sweeper finds expired results without scanning finished tasks.
CREATE INDEX IF NOT EXISTS ix_omni_tasks_result_expiry ON omni_tasks (result_expires_at) WHERE result IS NOT NULL;
