-- Tracing across the queue: the W3C trace context of the request that enqueued a task, so every attempt's Activity
-- joins that trace. Both are written once, at enqueue, and only for a traced request (NULL otherwise).
-- trace_parent: a version-00 traceparent, exactly 55 characters; trace_state: at most 512 characters.
-- SQLite has no ADD COLUMN IF NOT EXISTS: the installer's omni_schema_version makes this script run once.
ALTER TABLE omni_tasks ADD COLUMN trace_parent TEXT NULL;
ALTER TABLE omni_tasks ADD COLUMN trace_state TEXT NULL;
