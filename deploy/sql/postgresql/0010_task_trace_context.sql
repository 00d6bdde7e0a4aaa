-- Tracing across the queue: the W3C trace context of the request that enqueued a task, so every attempt's Activity
-- joins that trace. Both are written once, at enqueue, and only for a traced request (NULL otherwise).
-- trace_parent: a version-00 traceparent, exactly 55 characters; trace_state: at most 512 characters.
ALTER TABLE omni_tasks ADD COLUMN IF NOT EXISTS trace_parent text NULL;
ALTER TABLE omni_tasks ADD COLUMN IF NOT EXISTS trace_state text NULL;
