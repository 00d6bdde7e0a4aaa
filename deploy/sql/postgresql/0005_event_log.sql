-- OmniActors event log: every lifecycle event (task transitions, schedule fires, approvals, webhooks), in order.
-- A task's events are inserted in the same transaction as its row (group commit), so the log holds exactly the
-- transitions the task table holds. seq comes from an identity: with several silos committing at once a lower
-- seq can become visible after a higher one, so readers that tail the log wait briefly on gaps (EventLogTail).
-- at is Unix epoch milliseconds (UTC), as everywhere in our schema.
CREATE TABLE IF NOT EXISTS omni_event_log (
    seq      bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind     text    NOT NULL,
    subject  text    NOT NULL,
    queue    text    NULL,
    type     text    NOT NULL,
    attempt  integer NOT NULL,
    at       bigint  NOT NULL,
    detail   text    NULL,
    silo     text    NULL,
    action   text    NULL
);

-- A task's (or schedule's) history in order; filters by queue, type and time page by seq.
CREATE INDEX IF NOT EXISTS ix_omni_event_log_subject ON omni_event_log (subject, seq);
CREATE INDEX IF NOT EXISTS ix_omni_event_log_queue ON omni_event_log (queue, seq);
CREATE INDEX IF NOT EXISTS ix_omni_event_log_type ON omni_event_log (type, seq);
CREATE INDEX IF NOT EXISTS ix_omni_event_log_at ON omni_event_log (at);
