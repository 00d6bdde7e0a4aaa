-- OmniActors event fabric: raw webhook captures, canonical events, webhook instances, identities, routing rules.
-- Times are Unix epoch milliseconds (UTC), as in the task table.

-- The verified, sanitized raw body of every accepted webhook, stored before the webhook is acknowledged.
-- body_hash dedupes byte-identical redeliveries; processed_at is null until normalization, identity resolution
-- and routing finished (recovery picks such rows up again after a crash). Purged after the raw retention.
CREATE TABLE IF NOT EXISTS omni_raw_events (
    id           text    NOT NULL PRIMARY KEY,
    provider     text    NOT NULL,
    instance     text    NOT NULL,
    body_hash    text    NOT NULL,
    body         text    NOT NULL,
    verified     bigint  NOT NULL,
    received_at  bigint  NOT NULL,
    processed_at bigint  NULL,
    attempts     bigint  NOT NULL DEFAULT 0,
    last_error   text    NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS ux_omni_raw_events_body ON omni_raw_events (provider, instance, body_hash);
CREATE INDEX IF NOT EXISTS ix_omni_raw_events_pending ON omni_raw_events (received_at) WHERE processed_at IS NULL;
CREATE INDEX IF NOT EXISTS ix_omni_raw_events_received ON omni_raw_events (received_at);

-- One provider-neutral event. raw_id references omni_raw_events.id (null once the raw body was purged).
-- status: pending (stored, not yet routed), processed (routed).
CREATE TABLE IF NOT EXISTS omni_events (
    id                    text    NOT NULL PRIMARY KEY,
    provider              text    NOT NULL,
    instance              text    NOT NULL,
    provider_event_id     text    NOT NULL,
    event_type            text    NOT NULL,
    direction             text    NOT NULL,
    sender_identity_id    text    NULL,
    sender_handle         text    NULL,
    sender_name           text    NULL,
    recipient_identity_id text    NULL,
    recipient_handle      text    NULL,
    chat_id               text    NULL,
    content_type          text    NOT NULL,
    text                  text    NULL,
    media_url             text    NULL,
    media_mime_type       text    NULL,
    media_size            bigint  NULL,
    media_caption         text    NULL,
    reply_to              text    NULL,
    raw_id                text    NULL,
    metadata              text    NULL,
    status                text    NOT NULL,
    retry_count           bigint  NOT NULL DEFAULT 0,
    provider_timestamp    bigint  NULL,
    received_at           bigint  NOT NULL,
    processed_at          bigint  NULL
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
    provider     text    NOT NULL,
    instance     text    NOT NULL,
    secret       text    NOT NULL,
    verify_token text    NULL,
    enabled      bigint  NOT NULL,
    created_at   bigint  NOT NULL,
    updated_at   bigint  NOT NULL,
    PRIMARY KEY (provider, instance)
);

-- A person. merged_into names the surviving identity once this one was merged (always the final survivor).
CREATE TABLE IF NOT EXISTS omni_identities (
    id           text    NOT NULL PRIMARY KEY,
    display_name text    NULL,
    merged_into  text    NULL,
    created_at   bigint  NOT NULL,
    updated_at   bigint  NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_omni_identities_merged ON omni_identities (merged_into);

-- The handle index: (provider, handle) names one identity; the primary key decides races between silos.
CREATE TABLE IF NOT EXISTS omni_identity_handles (
    provider    text    NOT NULL,
    handle      text    NOT NULL,
    identity_id text    NOT NULL,
    created_at  bigint  NOT NULL,
    PRIMARY KEY (provider, handle)
);
CREATE INDEX IF NOT EXISTS ix_omni_identity_handles_identity ON omni_identity_handles (identity_id);

-- Routing rules: an event matching every non-null criterion enqueues action on queue with a payload.
CREATE TABLE IF NOT EXISTS omni_routes (
    id               text    NOT NULL PRIMARY KEY,
    name             text    NOT NULL,
    provider         text    NULL,
    instance         text    NULL,
    event_type       text    NULL,
    content_type     text    NULL,
    text_prefix      text    NULL,
    text_regex       text    NULL,
    action           text    NOT NULL,
    queue            text    NULL,
    payload_template text    NULL,
    enabled          bigint  NOT NULL,
    created_at       bigint  NOT NULL,
    updated_at       bigint  NOT NULL
);
