-- webhook_audit_logs partitioned by RANGE (sent_at), one partition per UTC day, so that
-- `outbox prune` drops whole days of history (DROP TABLE: instant, no dead rows, no vacuum)
-- instead of deleting rows one by one. See README "Retention" and docs/operators.md.
--
-- Why daily: prune runs daily with a 30-day retention by default. Only the partition that
-- straddles the cutoff is deleted row by row; with daily partitions that is at most one day of
-- rows (none when prune runs just after 00:00 UTC), about 40 partitions in all (30 kept, 7
-- made ahead, the one straddling, DEFAULT). With weekly partitions, six prunes out of seven
-- would delete their day of rows one by one.
--
-- A DEFAULT partition takes any row no daily partition covers (far past or future sent_at,
-- or a worker that has not made partitions ahead for a week), so an insert never fails.
-- Partitions are made ahead by webhook_audit_logs_ensure_partitions (below), which the worker
-- calls at start and hourly and `outbox migrate` calls after migrating.
--
-- Existing rows are copied: the old table is renamed, the partitioned one created, daily
-- partitions made for the last 60 days of existing rows (anything older goes to one
-- partition below them), the rows copied with their ids, and the old table dropped. The whole
-- migration is one transaction and holds webhook_audit_logs locked throughout: inserts by
-- workers wait (they do not fail) until it commits. Measured on the development machine (2
-- shared cores): about 47 s per million audit rows of ~1.4 KB (docs/performance.md, "Audit
-- retention").
--
-- After this migration, run docs/roles.sql again: the grants were on the old table.
--
-- jOOQ's simulation (DDLDatabase) sees the rename, the drops and the new table with its
-- named constraints and indexes; what it cannot simulate is between ignore markers.

/* [jooq ignore start] */
-- Transaction-local: the functions below capture this search_path (schema, then pg_temp last,
-- so a temporary table cannot stand in for ours inside SECURITY DEFINER code), and day
-- boundaries are UTC.
SELECT set_config('search_path', quote_ident(current_schema()) || ', pg_temp', true);
SELECT set_config('TimeZone', 'UTC', true);

-- The copy below names the V1/V5 columns; refuse to run if the table has gained another one.
DO $$
BEGIN
    IF (SELECT count(*) FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name = 'webhook_audit_logs') <> 16 THEN
        RAISE EXCEPTION 'webhook_audit_logs has columns V10 does not know; V10 must copy them too';
    END IF;
END
$$;
ALTER SEQUENCE webhook_audit_logs_id_seq RENAME TO webhook_audit_logs_unpartitioned_id_seq;
/* [jooq ignore stop] */

ALTER TABLE webhook_audit_logs RENAME TO webhook_audit_logs_unpartitioned;
ALTER TABLE webhook_audit_logs_unpartitioned DROP CONSTRAINT webhook_audit_logs_pkey;
ALTER TABLE webhook_audit_logs_unpartitioned DROP CONSTRAINT webhook_audit_logs_status_check;
DROP INDEX webhook_audit_logs_delivery_idx;
DROP INDEX webhook_audit_logs_sent_at_idx;

-- The same columns, check and indexes; a primary key of a partitioned table must contain the
-- partition key, hence (id, sent_at). id stays unique: it comes from one identity sequence.
CREATE TABLE webhook_audit_logs (
    id              bigint GENERATED ALWAYS AS IDENTITY,
    delivery_id     bigint         NOT NULL,
    event_id        uuid           NOT NULL,
    endpoint_id     bigint         NOT NULL,
    account_id      varchar(200)   NOT NULL,
    event_type      varchar(200)   NOT NULL,
    target_url      varchar(2000)  NOT NULL,
    payload         text           NOT NULL,
    attempt_number  integer        NOT NULL,
    status          varchar(10)    NOT NULL,
    response_status integer        NULL,
    response_body   text           NULL,
    error_message   text           NULL,
    duration_ms     integer        NOT NULL,
    worker_id       varchar(200)   NOT NULL,
    sent_at         timestamptz    NOT NULL,
    CONSTRAINT webhook_audit_logs_pkey PRIMARY KEY (id, sent_at),
    CONSTRAINT webhook_audit_logs_status_check CHECK (status IN ('success', 'failed', 'skipped'))
) /* [jooq ignore start] */ PARTITION BY RANGE (sent_at) /* [jooq ignore stop] */;

CREATE INDEX webhook_audit_logs_delivery_idx ON webhook_audit_logs (delivery_id, attempt_number);
CREATE INDEX webhook_audit_logs_sent_at_idx ON webhook_audit_logs (sent_at);

/* [jooq ignore start] */
CREATE TABLE webhook_audit_logs_default PARTITION OF webhook_audit_logs DEFAULT;

-- The partitions of webhook_audit_logs and their bounds: from_at NULL for MINVALUE, to_at NULL
-- for MAXVALUE, both NULL for DEFAULT. Read by the two functions below and by the CLI.
CREATE FUNCTION webhook_audit_log_partitions()
    RETURNS TABLE (partition_name text, from_at timestamptz, to_at timestamptz, is_default boolean)
    LANGUAGE sql STABLE
    SET search_path FROM CURRENT
    SET DateStyle = 'ISO'
AS $$
    SELECT c.relname::text,
           CASE WHEN m[1] IS NULL OR m[1] = 'MINVALUE' THEN NULL ELSE btrim(m[1], '''')::timestamptz END,
           CASE WHEN m[2] IS NULL OR m[2] = 'MAXVALUE' THEN NULL ELSE btrim(m[2], '''')::timestamptz END,
           b.bound = 'DEFAULT'
      FROM pg_inherits i
      JOIN pg_class c ON c.oid = i.inhrelid
     CROSS JOIN LATERAL (SELECT pg_get_expr(c.relpartbound, c.oid) AS bound) b
     CROSS JOIN LATERAL (SELECT regexp_match(b.bound, '^FOR VALUES FROM \((.*)\) TO \((.*)\)$') AS m) r
     WHERE i.inhparent = 'webhook_audit_logs'::regclass
     ORDER BY 3 NULLS FIRST, 1
$$;

-- Makes sure a partition exists for each UTC day from from_at's day for `days` days, and
-- returns the ones it created. Idempotent; one caller at a time (a transaction-level advisory
-- lock), so several workers and `outbox migrate` may run it at once. A day some partition
-- already covers is left alone. Rows of that day already in DEFAULT (they arrived before the
-- partition existed; PostgreSQL refuses to create a partition whose range DEFAULT holds rows
-- of) are moved into it in the same transaction: the new partition is built beside the table,
-- filled from DEFAULT, then attached. Waits at most 5 s for locks, then fails without effect,
-- to be tried again at the next call.
CREATE FUNCTION webhook_audit_logs_ensure_partitions(from_at timestamptz, days integer)
    RETURNS TABLE (partition_name text, moved_rows bigint)
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path FROM CURRENT
    SET TimeZone = 'UTC'
    SET DateStyle = 'ISO'
    SET lock_timeout = '5s'
AS $$
DECLARE
    day_start timestamptz;
    day_end timestamptz;
    name text;
    moved bigint;
BEGIN
    IF days IS NULL OR days < 1 OR days > 1000 THEN
        RAISE EXCEPTION 'days must be 1 to 1000 (got %)', days;
    END IF;
    PERFORM pg_advisory_xact_lock(7366016522001);  -- "audit partitions", shared with the drop below
    FOR i IN 0 .. days - 1 LOOP
        day_start := date_trunc('day', from_at) + make_interval(days => i);
        day_end := day_start + interval '1 day';
        CONTINUE WHEN EXISTS (SELECT 1 FROM webhook_audit_log_partitions() p
                               WHERE NOT p.is_default
                                 AND (p.from_at IS NULL OR p.from_at < day_end)
                                 AND (p.to_at IS NULL OR p.to_at > day_start));
        name := 'webhook_audit_logs_p' || to_char(day_start, 'YYYYMMDD');
        -- Inserts wait from here to commit (milliseconds unless DEFAULT is large).
        LOCK TABLE ONLY webhook_audit_logs IN ACCESS EXCLUSIVE MODE;
        IF EXISTS (SELECT 1 FROM webhook_audit_logs_default WHERE sent_at >= day_start AND sent_at < day_end) THEN
            EXECUTE format('CREATE TABLE %I (LIKE webhook_audit_logs INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', name);
            EXECUTE format('WITH m AS (DELETE FROM webhook_audit_logs_default WHERE sent_at >= $1 AND sent_at < $2 '
                           'RETURNING *) INSERT INTO %I SELECT * FROM m', name) USING day_start, day_end;
            GET DIAGNOSTICS moved = ROW_COUNT;
            EXECUTE format('ALTER TABLE webhook_audit_logs ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                           name, day_start, day_end);
        ELSE
            EXECUTE format('CREATE TABLE %I PARTITION OF webhook_audit_logs FOR VALUES FROM (%L) TO (%L)',
                           name, day_start, day_end);
            moved := 0;
        END IF;
        partition_name := name;
        moved_rows := moved;
        RETURN NEXT;
    END LOOP;
END
$$;

-- Drops one partition of webhook_audit_logs that lies entirely before cutoff and returns how
-- many rows it held (counted just before the drop); NULL when it is already gone (a concurrent
-- prune). Refuses DEFAULT and any partition reaching past the cutoff. Waits at most 5 s for the
-- lock (a long read of the audit log holds it off); the caller then deletes those rows instead.
CREATE FUNCTION webhook_audit_logs_drop_partition(partition_name text, cutoff timestamptz)
    RETURNS bigint
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path FROM CURRENT
    SET TimeZone = 'UTC'
    SET DateStyle = 'ISO'
    SET lock_timeout = '5s'
AS $$
DECLARE
    p record;
    n bigint;
BEGIN
    PERFORM pg_advisory_xact_lock(7366016522001);
    SELECT * INTO p FROM webhook_audit_log_partitions() x WHERE x.partition_name = $1;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF p.is_default OR p.to_at IS NULL OR p.to_at > cutoff THEN
        RAISE EXCEPTION 'partition % is not entirely before %', $1, cutoff;
    END IF;
    EXECUTE format('SELECT count(*) FROM %I', p.partition_name) INTO n;
    EXECUTE format('DROP TABLE %I', p.partition_name);
    RETURN n;
END
$$;

REVOKE EXECUTE ON FUNCTION webhook_audit_logs_ensure_partitions(timestamptz, integer) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION webhook_audit_logs_drop_partition(text, timestamptz) FROM PUBLIC;

-- Partitions for the existing rows: every day from the oldest row's (at most 60 days back)
-- to 7 days ahead; rows older than that go to one partition below the first day, which prune
-- drops once it lies entirely before the cutoff.
DO $$
DECLARE
    oldest timestamptz;
    today timestamptz := date_trunc('day', now());
    first_day timestamptz;
BEGIN
    SELECT min(sent_at) INTO oldest FROM webhook_audit_logs_unpartitioned;
    first_day := least(today, greatest(date_trunc('day', coalesce(oldest, now())), today - interval '60 days'));
    IF oldest < first_day THEN
        EXECUTE format('CREATE TABLE %I PARTITION OF webhook_audit_logs FOR VALUES FROM (MINVALUE) TO (%L)',
                       'webhook_audit_logs_before_' || to_char(first_day, 'YYYYMMDD'), first_day);
    END IF;
    PERFORM webhook_audit_logs_ensure_partitions(first_day, extract(day FROM today - first_day)::integer + 8);
END
$$;

INSERT INTO webhook_audit_logs (id, delivery_id, event_id, endpoint_id, account_id, event_type, target_url,
                                payload, attempt_number, status, response_status, response_body, error_message,
                                duration_ms, worker_id, sent_at)
OVERRIDING SYSTEM VALUE
SELECT id, delivery_id, event_id, endpoint_id, account_id, event_type, target_url,
       payload, attempt_number, status, response_status, response_body, error_message,
       duration_ms, worker_id, sent_at
  FROM webhook_audit_logs_unpartitioned;

-- New ids continue where the old sequence stood.
SELECT setval(pg_get_serial_sequence('webhook_audit_logs', 'id'), s.last_value, s.is_called)
  FROM webhook_audit_logs_unpartitioned_id_seq s;
/* [jooq ignore stop] */

DROP TABLE webhook_audit_logs_unpartitioned;
