-- OmniActors event fabric: a status event's delivery state (sent, delivered, read, failed, ...) was normalized and then
-- dropped. It is kept in its own column, listed by GET /api/events?delivery_status= and matched by a routing rule's
-- delivery_status. No index: the filter narrows a listing already walked by time (and by instance or chat).
ALTER TABLE omni_events ADD COLUMN IF NOT EXISTS delivery_status text NULL;
ALTER TABLE omni_routes ADD COLUMN IF NOT EXISTS delivery_status text NULL;
