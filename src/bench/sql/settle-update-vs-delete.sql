-- What settling a delivery costs PostgreSQL when its row is updated (as the worker does: the
-- succeeded row stays in webhook_deliveries for operators), what it would cost if the row were
-- deleted instead (the audit log then being the only record), and what one index fewer on every
-- row version (the endpoint index) would save. Runs the claim and the settle inside
-- one backend, without the client protocol, so the difference is the row's own work: heap, index
-- entries, WAL.
--
-- Run in a database of its own, migrated first (it truncates the outbox tables):
--   createdb -h 127.0.0.1 -U postgres settle_shape
--   bin/outbox migrate --database-url 'jdbc:postgresql://127.0.0.1:5432/settle_shape?user=postgres'
--   psql -h 127.0.0.1 -U postgres -d settle_shape -f src/bench/sql/settle-update-vs-delete.sql
-- Needs a superuser (it reads the backend's CPU time from /proc/self/stat) and Linux.
\set ON_ERROR_STOP on
\set deliveries 10000
\set batch 16
\set QUIET on
SET client_min_messages = warning;

CREATE OR REPLACE FUNCTION pg_temp.backend_cpu_ms() RETURNS bigint LANGUAGE sql AS $$
    -- utime + stime, fields 14 and 15 of /proc/self/stat, in clock ticks of 10 ms
    SELECT (f[12]::bigint + f[13]::bigint) * 10
      FROM string_to_array(split_part(pg_read_file('/proc/self/stat'), ') ', 2), ' ') AS f
$$;

-- A procedure may commit; one transaction per batch, as the worker's claim and record are.
CREATE OR REPLACE PROCEDURE pg_temp.drain(mode text, batch int) LANGUAGE plpgsql AS $$
DECLARE
    ids bigint[];
BEGIN
    LOOP
        WITH due AS (
            SELECT id FROM webhook_deliveries
             WHERE state = 'pending' AND next_attempt_at <= now()
             ORDER BY next_attempt_at, id
             LIMIT batch
               FOR UPDATE SKIP LOCKED),
        claimed AS (
            UPDATE webhook_deliveries d
               SET state = 'in_flight', locked_by = 'bench', locked_until = now() + interval '1 minute',
                   attempts = d.attempts + 1, updated_at = now()
              FROM due, webhook_outbox o, webhook_endpoints e
             WHERE d.id = due.id AND o.id = d.outbox_id AND e.id = d.endpoint_id
            RETURNING d.id)
        SELECT array_agg(id) INTO ids FROM claimed;
        COMMIT;
        EXIT WHEN ids IS NULL;
        IF mode = 'update' THEN
            UPDATE webhook_deliveries d
               SET state = 'succeeded', locked_by = NULL, locked_until = NULL, last_status = 200,
                   updated_at = now(), completed_at = now()
             WHERE d.id = ANY (ids) AND d.locked_by = 'bench' AND d.locked_until IS NOT NULL;
        ELSE
            DELETE FROM webhook_deliveries d
             WHERE d.id = ANY (ids) AND d.locked_by = 'bench' AND d.locked_until IS NOT NULL;
        END IF;
        COMMIT;
    END LOOP;
END $$;

CREATE TEMP TABLE results (mode text, cpu_ms_per_delivery numeric, wal_bytes_per_delivery numeric);

-- ~1 KB events to one endpoint, one pending delivery each, vacuumed and checkpointed.
CREATE OR REPLACE PROCEDURE pg_temp.prepare(n int) LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE webhook_deliveries, webhook_outbox_unrouted, webhook_outbox;
    DELETE FROM webhook_endpoints;
    INSERT INTO webhook_endpoints (account_id, url) VALUES ('acct_shape', 'http://127.0.0.1:9/hook');
    INSERT INTO webhook_outbox (account_id, event_type, payload)
    SELECT 'acct_shape', 'fileTask.completed', jsonb_build_object('n', g, 'pad', repeat('x', 1000))
      FROM generate_series(1, n) AS g;
    DELETE FROM webhook_outbox_unrouted;
    INSERT INTO webhook_deliveries (outbox_id, event_id, endpoint_id, account_id, event_type, state,
                                    next_attempt_at, created_at, updated_at)
    SELECT o.id, o.event_id, e.id, o.account_id, o.event_type, 'pending', now(), now(), now()
      FROM webhook_outbox o CROSS JOIN webhook_endpoints e;
END $$;

-- Three rounds, the settles alternating, so the machine's load falls on all alike.
\ir settle-round.sql
\ir settle-round.sql
\ir settle-round.sql

\set QUIET off
SELECT mode,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY cpu_ms_per_delivery) AS cpu_ms_per_delivery_median,
       string_agg(cpu_ms_per_delivery::text, ' / ') AS cpu_runs,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY wal_bytes_per_delivery) AS wal_bytes_per_delivery_median
  FROM results GROUP BY mode ORDER BY 2 DESC;
