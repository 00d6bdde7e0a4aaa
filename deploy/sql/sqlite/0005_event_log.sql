-- OmniActors event log: every lifecycle event (task transitions, schedule fires, approvals, webhooks), in order.
-- A task's events are inserted in the same transaction as its row (group commit), so the log holds exactly the
-- transitions the task table holds. seq is the order of commit (one writer at a time on SQLite) and is what
-- server-sent events send as their id and resume from. at is Unix epoch milliseconds (UTC).
CREATE TABLE IF NOT EXISTS omni_event_log (
    seq      INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    kind     TEXT    NOT NULL,
    subject  TEXT    NOT NULL,
    queue    TEXT    NULL,
    type     TEXT    NOT NULL,
    attempt  INTEGER NOT NULL,
    at       INTEGER NOT NULL,
    detail   TEXT    NULL,
    silo     TEXT    NULL,
    action   TEXT    NULL
);

-- A task's (or schedule's) history in order; filters by queue, type and time page by seq.
CREATE INDEX IF NOT EXISTS ix_omni_event_log_subject ON omni_event_log (subject, seq);
CREATE INDEX IF NOT EXISTS ix_omni_event_log_queue ON omni_event_log (queue, seq);
CREATE INDEX IF NOT EXISTS ix_omni_event_log_type ON omni_event_log (type, seq);
CREATE INDEX IF NOT EXISTS ix_omni_event_log_at ON omni_event_log (at);
