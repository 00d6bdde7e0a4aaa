-- Fewer index writes a task (issue 13; figures in bench/README "PostgreSQL: what a task's rows cost the server").
-- Nearly half of PostgreSQL's CPU under load went to b-tree inserts: a task's row is updated twice and every update
-- changes status, so each one adds an entry to every index of the table, and each of its three event-log rows adds one
-- to the log's five.
--
-- 1. The log's time index becomes a BRIN index. seq and at both grow with the log, so the pages of a range of times
--    sit together and a block-range summary finds them (retention, time filters, the stats rollup's window) at a
--    fraction of a b-tree's cost a row: a new row touches the index only when its range is summarized
--    (autosummarize, in the background).
DROP INDEX IF EXISTS ix_omni_event_log_at;
CREATE INDEX IF NOT EXISTS ix_omni_event_log_at_brin ON omni_event_log USING brin (at) WITH (pages_per_range = 16, autosummarize = on);

-- 2. Text keys compare byte by byte. Under a database collation other than C (Debian's default is C.UTF-8) every
--    comparison in these indexes went through the locale (strcoll); ids, queue names, statuses and event types are
--    identifiers, and "C" orders them as SQLite's BINARY does, so both providers sort alike. The indexes on these
--    columns are rebuilt (once, with the table locked: on a large table, run this script in a maintenance window).
ALTER TABLE omni_tasks ALTER COLUMN id TYPE text COLLATE "C";
ALTER TABLE omni_tasks ALTER COLUMN queue TYPE text COLLATE "C";
ALTER TABLE omni_tasks ALTER COLUMN status TYPE text COLLATE "C";
ALTER TABLE omni_event_log ALTER COLUMN subject TYPE text COLLATE "C";
ALTER TABLE omni_event_log ALTER COLUMN queue TYPE text COLLATE "C";
ALTER TABLE omni_event_log ALTER COLUMN type TYPE text COLLATE "C";
ALTER TABLE omni_event_log ALTER COLUMN kind TYPE text COLLATE "C";
