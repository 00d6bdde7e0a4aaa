-- Fewer index writes a task on SQLite (issue 13; figures in bench/README "SQLite: fewer index writes and two shares ahead").
-- ix_omni_tasks_partition (queue, partition, status) served one read, a partition's reload on activation and its
-- reconciliation, and every task paid for it three times: its insert and both status changes (to running, to its end)
-- rewrite the entry. SQLite's file holds one silo, whose queues default to one partition, so a queue's pending tasks
-- are its partition's: the reload now reads them through ix_omni_tasks_queue_status (queue, status), which the status
-- changes write anyway, and checks the partition on the row it reads. A queue given several partitions reads the
-- pending rows of all of them on each partition's reload; that is a read at activation, not a write per task.
-- (PostgreSQL keeps its partial ix_omni_tasks_partition_pending: a cluster's queues have several partitions.)
DROP INDEX IF EXISTS ix_omni_tasks_partition;

-- The log's type index (type, seq) served the event-log filter by type, and each of a task's three rows wrote it. Most
-- rows carry one of three types (a task's plain run: enqueued, executing, complete); a filter on one of those finds its
-- rows walking seq from the newest, a few rows apart. The index now holds only the rarer types (errors, retries, dead
-- letters, approvals, schedules, webhooks), where walking the log would be long; the filter states the index's
-- condition word for word (EventLogStore.RareTypeCondition), which SQLite's planner needs before it takes a partial
-- index. Written as three comparisons: a NOT IN list costs each insert more than the full index did.
DROP INDEX IF EXISTS ix_omni_event_log_type;
CREATE INDEX IF NOT EXISTS ix_omni_event_log_rare_type ON omni_event_log (type, seq)
    WHERE type <> 'enqueued' AND type <> 'executing' AND type <> 'complete';
