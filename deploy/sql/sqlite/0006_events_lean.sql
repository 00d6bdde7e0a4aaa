-- OmniActors event fabric: two indexes of omni_events that cost every ingest a b-tree insert for nothing.
-- The dedupe index repeated the primary key: an event's id is derived from (provider, instance, provider_event_id)
-- (EventStore.EventId), so the primary key already refuses a second row of one provider event, and the insert
-- now names it (ON CONFLICT (id)). The raw_id index only served the retention purge's clearing of raw_id; a purged
-- capture's reference now simply stops resolving (GET /api/events/{id} answers raw_id and raw null).
DROP INDEX IF EXISTS ux_omni_events_dedupe;
DROP INDEX IF EXISTS ix_omni_events_raw;
