-- Issue 5: dependencies, workflows and approvals on the task table (idempotent).
-- depends_on and dependents are JSON arrays of task ids: a task waits for depends_on, and wakes its dependents
-- when it ends (the dependent's own depends_on stays the truth; dependents is only whom to tell).
-- run_when: AllSucceeded | AnyFailed | AllEnded; on_dependency_failure: Fail | Cancel.
-- approvals is the audit trail of approval decisions (JSON array: action, by, at, comment).
ALTER TABLE omni_tasks ADD COLUMN IF NOT EXISTS depends_on text NULL;
ALTER TABLE omni_tasks ADD COLUMN IF NOT EXISTS run_when text NULL;
ALTER TABLE omni_tasks ADD COLUMN IF NOT EXISTS on_dependency_failure text NULL;
ALTER TABLE omni_tasks ADD COLUMN IF NOT EXISTS dependents text NULL;
ALTER TABLE omni_tasks ADD COLUMN IF NOT EXISTS workflow_id text NULL;
ALTER TABLE omni_tasks ADD COLUMN IF NOT EXISTS workflow_key text NULL;
ALTER TABLE omni_tasks ADD COLUMN IF NOT EXISTS requires_approval integer NOT NULL DEFAULT 0;
ALTER TABLE omni_tasks ADD COLUMN IF NOT EXISTS approvals text NULL;

-- A workflow's status reads its tasks.
CREATE INDEX IF NOT EXISTS ix_omni_tasks_workflow ON omni_tasks (workflow_id) WHERE workflow_id IS NOT NULL;
