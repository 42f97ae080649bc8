-- The reference task model: a main task (an "operation" of the Business API) made of file
-- tasks. Only the lifecycle (com.d3.webhooks.tasks.TaskLifecycle, or the SQL of
-- docs/task-lifecycle.md) changes a status; it writes the webhook events to webhook_outbox in
-- the same transaction as the change.
-- Every constraint is named: jOOQ's code generator simulates this file and must see the same
-- names PostgreSQL has.

-- Main tasks keep counters (total, completed, failed) rather than counting file tasks on each
-- change. The counters are what makes "exactly one operation event" cheap and obvious: every
-- finishing transaction increments them with one UPDATE of this row, which holds the row lock
-- until commit; PostgreSQL serializes those UPDATEs and, under READ COMMITTED, applies each one
-- to the latest committed counters. So exactly one transaction sees its own increment make
-- completed + failed = total, and that one writes the operation event. Counting file tasks
-- would need the same row lock (SELECT ... FOR UPDATE first) plus a scan of the file tasks;
-- the counters cost 12 bytes and are checked against the status below.
CREATE TABLE main_tasks (
    id              uuid          NOT NULL DEFAULT gen_random_uuid(),
    account_id      varchar(200)  NOT NULL,
    status          varchar(30)   NOT NULL DEFAULT 'pending',
    total_count     integer       NOT NULL,
    completed_count integer       NOT NULL DEFAULT 0,
    failed_count    integer       NOT NULL DEFAULT 0,
    created_at      timestamptz   NOT NULL DEFAULT now(),
    updated_at      timestamptz   NOT NULL DEFAULT now(),
    -- when the first file task left 'pending'
    started_at      timestamptz   NULL,
    -- when the last file task finished (the main task's status became terminal)
    finished_at     timestamptz   NULL,
    CONSTRAINT main_tasks_pkey PRIMARY KEY (id),
    -- the target of file_tasks' (main_task_id, account_id) foreign key: a file task always
    -- belongs to the account of its main task
    CONSTRAINT main_tasks_id_account_key UNIQUE (id, account_id),
    CONSTRAINT main_tasks_status_check
        CHECK (status IN ('pending', 'processing', 'completed', 'partially_completed', 'failed')),
    CONSTRAINT main_tasks_counts_check
        CHECK (total_count > 0 AND completed_count >= 0 AND failed_count >= 0
               AND completed_count + failed_count <= total_count),
    -- the status agrees with the counters: terminal exactly when every file task finished,
    -- and which terminal status follows from the counts
    CONSTRAINT main_tasks_status_counts_check CHECK (CASE status
        WHEN 'pending'             THEN completed_count + failed_count = 0
        WHEN 'processing'          THEN completed_count + failed_count < total_count
        WHEN 'completed'           THEN completed_count = total_count
        WHEN 'failed'              THEN failed_count = total_count
        WHEN 'partially_completed' THEN completed_count > 0 AND failed_count > 0
                                        AND completed_count + failed_count = total_count
        ELSE false END),
    CONSTRAINT main_tasks_finished_check
        CHECK ((finished_at IS NOT NULL) = (status IN ('completed', 'partially_completed', 'failed')))
);

CREATE INDEX main_tasks_account_idx ON main_tasks (account_id, created_at);

-- File tasks: account_id is repeated from the main task (the composite foreign key keeps the
-- two equal) so that the ownership check is part of the lookup of the file task.
-- position numbers the file tasks of a main task from 0, in the order they were created.
CREATE TABLE file_tasks (
    id           uuid          NOT NULL DEFAULT gen_random_uuid(),
    main_task_id uuid          NOT NULL,
    account_id   varchar(200)  NOT NULL,
    position     integer       NOT NULL,
    status       varchar(20)   NOT NULL DEFAULT 'pending',
    -- set when completed (optional); any JSON value the task produced
    result       jsonb         NULL,
    -- set when failed (required then)
    error        text          NULL,
    created_at   timestamptz   NOT NULL DEFAULT now(),
    updated_at   timestamptz   NOT NULL DEFAULT now(),
    -- when it moved to 'processing'; stays NULL for a task finished straight from 'pending'
    started_at   timestamptz   NULL,
    finished_at  timestamptz   NULL,
    CONSTRAINT file_tasks_pkey PRIMARY KEY (id),
    -- also the index behind the foreign key and behind "the file tasks of a main task"
    CONSTRAINT file_tasks_main_task_position_key UNIQUE (main_task_id, position),
    CONSTRAINT file_tasks_main_task_fkey FOREIGN KEY (main_task_id, account_id)
        REFERENCES main_tasks (id, account_id),
    CONSTRAINT file_tasks_status_check
        CHECK (status IN ('pending', 'processing', 'completed', 'failed')),
    CONSTRAINT file_tasks_position_check CHECK (position >= 0),
    CONSTRAINT file_tasks_result_check CHECK (result IS NULL OR status = 'completed'),
    CONSTRAINT file_tasks_error_check CHECK ((error IS NOT NULL) = (status = 'failed')),
    CONSTRAINT file_tasks_finished_check
        CHECK ((finished_at IS NOT NULL) = (status IN ('completed', 'failed')))
);
