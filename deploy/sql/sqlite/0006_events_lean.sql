-- OmniActors event fabric: a leaner omni_events. Every index costs each ingested event a b-tree insert and bytes.
-- The dedupe index repeated the primary key: an event's id is derived from (provider, instance, provider_event_id)
-- (EventStore.EventId), so the primary key already refuses a second row of one provider event, and the insert
-- names it (ON CONFLICT (id)). The raw_id index only served the retention purge's clearing of raw_id; a purged
-- capture's reference now simply stops resolving (GET /api/events/{id} answers raw_id and raw null).
DROP INDEX IF EXISTS ux_omni_events_dedupe;
DROP INDEX IF EXISTS ix_omni_events_raw;

-- The recent-events indexes drop their id tiebreaker (33 bytes an entry, four times an event): events sharing a
-- received_at millisecond are few, and the query's ORDER BY received_at DESC, id DESC sorts just those
-- (PostgreSQL's incremental sort, SQLite's "temp b-tree for right part of ORDER BY").
DROP INDEX IF EXISTS ix_omni_events_recent;
DROP INDEX IF EXISTS ix_omni_events_instance;
DROP INDEX IF EXISTS ix_omni_events_identity;
DROP INDEX IF EXISTS ix_omni_events_chat;
CREATE INDEX IF NOT EXISTS ix_omni_events_at ON omni_events (received_at DESC);
CREATE INDEX IF NOT EXISTS ix_omni_events_instance_at ON omni_events (instance, received_at DESC);
CREATE INDEX IF NOT EXISTS ix_omni_events_identity_at ON omni_events (sender_identity_id, received_at DESC);
CREATE INDEX IF NOT EXISTS ix_omni_events_chat_at ON omni_events (chat_id, received_at DESC);
