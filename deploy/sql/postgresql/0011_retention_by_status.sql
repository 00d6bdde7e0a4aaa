-- Retention finds finished tasks through ix_omni_tasks_status (status, created_at) instead of a partial index on
-- finished_at: a task never finishes before it was created, so "created and finished before the cutoff" deletes the same
-- rows, and the index that only retention read cost every finishing task a write (measured on SQLite: 15 % of a silo's
-- throughput, bench/README "The finished-task index").
DROP INDEX IF EXISTS ix_omni_tasks_finished;
