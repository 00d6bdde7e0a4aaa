-- Issue 5: dependencies, workflows and approvals on the task table.
-- SQLite has no ADD COLUMN IF NOT EXISTS: the installer's omni_schema_version makes this script run once.
-- depends_on and dependents are JSON arrays of task ids: a task waits for depends_on, and wakes its dependents
-- when it ends (the dependent's own depends_on stays the truth; dependents is only whom to tell).
-- run_when: AllSucceeded | AnyFailed | AllEnded; on_dependency_failure: Fail | Cancel.
-- approvals is the audit trail of approval decisions (JSON array: action, by, at, comment).
ALTER TABLE omni_tasks ADD COLUMN depends_on TEXT NULL;
ALTER TABLE omni_tasks ADD COLUMN run_when TEXT NULL;
ALTER TABLE omni_tasks ADD COLUMN on_dependency_failure TEXT NULL;
ALTER TABLE omni_tasks ADD COLUMN dependents TEXT NULL;
ALTER TABLE omni_tasks ADD COLUMN workflow_id TEXT NULL;
ALTER TABLE omni_tasks ADD COLUMN workflow_key TEXT NULL;
ALTER TABLE omni_tasks ADD COLUMN requires_approval INTEGER NOT NULL DEFAULT 0;
ALTER TABLE omni_tasks ADD COLUMN approvals TEXT NULL;

-- A workflow's status reads its tasks.
CREATE INDEX IF NOT EXISTS ix_omni_tasks_workflow ON omni_tasks (workflow_id) WHERE workflow_id IS NOT NULL;
