-- Fewer index writes a task (issue 13): a partition reloads only its pending and running tasks, so its index holds only
-- those (as on PostgreSQL since 0002). A task that finishes leaves the index instead of moving to another place in it,
-- and the index stays as small as the live work, not the whole table.
DROP INDEX IF EXISTS ix_omni_tasks_partition;
CREATE INDEX IF NOT EXISTS ix_omni_tasks_partition_pending ON omni_tasks (queue, partition)
    WHERE status IN ('scheduled', 'queued', 'retrying', 'running');
