-- OmniActors event fabric: raw webhook captures, canonical events, webhook instances, identities, routing rules.
-- Times are Unix epoch milliseconds (UTC), as in the task table.

-- The verified, sanitized raw body of every accepted webhook, stored before the webhook is acknowledged.
-- body_hash dedupes byte-identical redeliveries; processed_at is null until normalization, identity resolution
-- and routing finished (recovery picks such rows up again after a crash). Purged after the raw retention.
CREATE TABLE IF NOT EXISTS omni_raw_events (
    id           TEXT    NOT NULL PRIMARY KEY,
    provider     TEXT    NOT NULL,
    instance     TEXT    NOT NULL,
    body_hash    TEXT    NOT NULL,
    body         TEXT    NOT NULL,
    verified     INTEGER NOT NULL,
    received_at  INTEGER NOT NULL,
    processed_at INTEGER NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT    NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS ux_omni_raw_events_body ON omni_raw_events (provider, instance, body_hash);
CREATE INDEX IF NOT EXISTS ix_omni_raw_events_pending ON omni_raw_events (received_at) WHERE processed_at IS NULL;
CREATE INDEX IF NOT EXISTS ix_omni_raw_events_received ON omni_raw_events (received_at);

-- One provider-neutral event. raw_id references omni_raw_events.id (null once the raw body was purged).
-- status: pending (stored, not yet routed), processed (routed).
CREATE TABLE IF NOT EXISTS omni_events (
    id                    TEXT    NOT NULL PRIMARY KEY,
    provider              TEXT    NOT NULL,
    instance              TEXT    NOT NULL,
    provider_event_id     TEXT    NOT NULL,
    event_type            TEXT    NOT NULL,
    direction             TEXT    NOT NULL,
    sender_identity_id    TEXT    NULL,
    sender_handle         TEXT    NULL,
    sender_name           TEXT    NULL,
    recipient_identity_id TEXT    NULL,
    recipient_handle      TEXT    NULL,
    chat_id               TEXT    NULL,
    content_type          TEXT    NOT NULL,
    text                  TEXT    NULL,
    media_url             TEXT    NULL,
    media_mime_type       TEXT    NULL,
    media_size            INTEGER NULL,
    media_caption         TEXT    NULL,
    reply_to              TEXT    NULL,
    raw_id                TEXT    NULL,
    metadata              TEXT    NULL,
    status                TEXT    NOT NULL,
    retry_count           INTEGER NOT NULL DEFAULT 0,
    provider_timestamp    INTEGER NULL,
    received_at           INTEGER NOT NULL,
    processed_at          INTEGER NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS ux_omni_events_dedupe ON omni_events (provider, instance, provider_event_id);
-- Recent events (keyset paging on received_at, id), overall and by instance, identity and chat.
CREATE INDEX IF NOT EXISTS ix_omni_events_recent ON omni_events (received_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS ix_omni_events_instance ON omni_events (instance, received_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS ix_omni_events_identity ON omni_events (sender_identity_id, received_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS ix_omni_events_chat ON omni_events (chat_id, received_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS ix_omni_events_raw ON omni_events (raw_id);

-- Webhook instances configured through the API (those in configuration are not stored).
CREATE TABLE IF NOT EXISTS omni_webhook_instances (
    provider     TEXT    NOT NULL,
    instance     TEXT    NOT NULL,
    secret       TEXT    NOT NULL,
    verify_token TEXT    NULL,
    enabled      INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (provider, instance)
);

-- A person. merged_into names the surviving identity once this one was merged (always the final survivor).
CREATE TABLE IF NOT EXISTS omni_identities (
    id           TEXT    NOT NULL PRIMARY KEY,
    display_name TEXT    NULL,
    merged_into  TEXT    NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_omni_identities_merged ON omni_identities (merged_into);

-- The handle index: (provider, handle) names one identity; the primary key decides races between silos.
CREATE TABLE IF NOT EXISTS omni_identity_handles (
    provider    TEXT    NOT NULL,
    handle      TEXT    NOT NULL,
    identity_id TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (provider, handle)
);
CREATE INDEX IF NOT EXISTS ix_omni_identity_handles_identity ON omni_identity_handles (identity_id);

-- Routing rules: an event matching every non-null criterion enqueues action on queue with a payload.
CREATE TABLE IF NOT EXISTS omni_routes (
    id               TEXT    NOT NULL PRIMARY KEY,
    name             TEXT    NOT NULL,
    provider         TEXT    NULL,
    instance         TEXT    NULL,
    event_type       TEXT    NULL,
    content_type     TEXT    NULL,
    text_prefix      TEXT    NULL,
    text_regex       TEXT    NULL,
    action           TEXT    NOT NULL,
    queue            TEXT    NULL,
    payload_template TEXT    NULL,
    enabled          INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
