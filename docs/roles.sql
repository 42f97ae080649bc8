-- Least-privilege roles for the webhook outbox.
--
-- Three group roles (NOLOGIN); give each to the login user of the part that needs it:
--   outbox_app       the main application: appends events, and nothing else of the outbox.
--                    It cannot read endpoints, secrets, signing keys, header values, client keys,
--                    OAuth2 client credentials, deliveries or the audit log, nor read other events
--                    back (only their event_id, for INSERT ... RETURNING event_id).
--   outbox_worker    `outbox worker`: routes events, leases and settles deliveries, appends to
--                    the audit log, reads endpoints and seals their secrets, Ed25519 signing keys,
--                    header values and OAuth2 client secrets. It cannot register, re-point or
--                    delete endpoints, add or rename their headers, change their signing mode or
--                    public keys, change where their tokens come from, nor change or delete audit
--                    history.
--   outbox_operator  the operators' CLI: registers and edits endpoints, reads everything, replays
--                    deliveries, prunes old deliveries and audit rows. It cannot rewrite audit rows.
-- Migrations (`outbox migrate`) run as the schema owner, which is none of these.
--
-- Run after every migration, as the schema owner or a superuser, in the outbox's database:
--   psql -v ON_ERROR_STOP=1 -d outbox -f docs/roles.sql
--   CREATE ROLE billing_app LOGIN PASSWORD '...' IN ROLE outbox_app;      -- once per login user
-- It is idempotent: roles are created when missing, then every grant is set from scratch.
-- Tested by RolesTest, which connects as each role and checks what is refused.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'outbox_app') THEN
        CREATE ROLE outbox_app NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'outbox_worker') THEN
        CREATE ROLE outbox_worker NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'outbox_operator') THEN
        CREATE ROLE outbox_operator NOLOGIN;
    END IF;
END
$$;

-- Only the schema's owner creates objects in it: a table or function another role planted there
-- could stand in for ours in someone else's query. (PostgreSQL 15 makes new databases so; a
-- database created by an older release, or restored from one, still lets every role create.)
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

-- Start from nothing, so re-running after a change never leaves an old grant behind.
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM outbox_app, outbox_worker, outbox_operator;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM outbox_app, outbox_worker, outbox_operator;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA public FROM outbox_app, outbox_worker, outbox_operator;
GRANT USAGE ON SCHEMA public TO outbox_app, outbox_worker, outbox_operator;

-- outbox_app: the one INSERT of the outbox contract. SELECT on event_id alone serves
-- "ON CONFLICT (event_id) DO NOTHING RETURNING event_id" (the Java API's idempotent insert).
GRANT INSERT (event_id, account_id, event_type, payload, occurred_at, ordering_key, traceparent, tracestate)
    ON webhook_outbox TO outbox_app;
GRANT SELECT (event_id) ON webhook_outbox TO outbox_app;

-- The reference task tables, when this database has them (another migration adds them): they
-- are the application's own data, written in the same transaction as its events.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['main_tasks', 'file_tasks'] LOOP
        IF to_regclass('public.' || t) IS NOT NULL THEN
            EXECUTE format('GRANT SELECT, INSERT, UPDATE ON public.%I TO outbox_app', t);
            EXECUTE format('GRANT SELECT ON public.%I TO outbox_operator', t);
        END IF;
    END LOOP;
END
$$;

-- outbox_worker
GRANT SELECT ON webhook_outbox TO outbox_worker;
GRANT UPDATE (routing_state, routing_error, routed_at, delivery_count) ON webhook_outbox TO outbox_worker;
-- Events waiting to be routed (V20): every router locks (FOR UPDATE SKIP LOCKED), reads and deletes them.
GRANT SELECT, UPDATE, DELETE ON webhook_outbox_unrouted TO outbox_worker;
GRANT SELECT ON webhook_endpoints TO outbox_worker;
-- Sealing plain-text secrets, and the plain-text private keys of client certificates (V17).
GRANT UPDATE (secret, previous_secret, client_key) ON webhook_endpoints TO outbox_worker;
-- Ed25519 private keys (V16): the sweep seals plain-text ones in place; the public keys stay as written.
GRANT UPDATE (signing_key, previous_signing_key) ON webhook_endpoints TO outbox_worker;
-- Static headers (V15): sent with each request; the sweep seals plain-text values in place.
GRANT SELECT ON webhook_endpoint_headers TO outbox_worker;
GRANT UPDATE (value) ON webhook_endpoint_headers TO outbox_worker;
-- OAuth2 client credentials (V18): read to fetch tokens; the sweep seals plain-text client secrets.
-- Never the token URL or the client id: a worker could otherwise send the secret elsewhere.
GRANT SELECT ON webhook_endpoint_oauth2 TO outbox_worker;
GRANT UPDATE (client_secret) ON webhook_endpoint_oauth2 TO outbox_worker;
GRANT SELECT, INSERT, UPDATE ON webhook_deliveries TO outbox_worker;
GRANT INSERT ON webhook_audit_attempts TO outbox_worker;                 -- append only
-- Daily audit partitions made ahead, at start and hourly (the function runs as the table's owner
-- and can only create partitions and move rows from DEFAULT into them).
GRANT EXECUTE ON FUNCTION webhook_audit_logs_ensure_partitions(timestamptz, integer) TO outbox_worker;
-- Ordered keys: the next delivery of a key goes when the one before it finished (V11). The
-- migrations revoke EXECUTE from PUBLIC on every function, so outbox_app calls none of them.
GRANT EXECUTE ON FUNCTION webhook_promote_heads(integer[], integer[], bigint[], text[], timestamptz)
    TO outbox_worker, outbox_operator;
-- Listing the audit partitions (the worker's upkeep, prune).
GRANT EXECUTE ON FUNCTION webhook_audit_log_partitions() TO outbox_worker, outbox_operator;
-- 410 Gone or failing past the auto-disable window: the worker disables the endpoint and
-- writes an endpoint.disabled event; failing_since tracks the current run of failures.
GRANT UPDATE (enabled, disabled_reason, disabled_at, updated_at, failing_since) ON webhook_endpoints TO outbox_worker;
GRANT INSERT (account_id, event_type, payload) ON webhook_outbox TO outbox_worker;
-- The circuit breaker and the rate limit's token bucket, shared by all workers (V8). The rate
-- limit itself (rate_limit_per_second) is the operators'.
GRANT UPDATE (consecutive_failures, breaker_open_until, breaker_openings, breaker_opened_at, rate_tokens,
              rate_refilled_at) ON webhook_endpoints TO outbox_worker;
-- Pausing a disabled endpoint's deliveries and resuming them once it is enabled (V14).
GRANT UPDATE (deliveries_paused) ON webhook_endpoints TO outbox_worker;

-- outbox_operator
GRANT SELECT ON webhook_outbox, webhook_endpoints, webhook_deliveries, webhook_audit_attempts, webhook_audit_logs
    TO outbox_operator;
-- The audit view rebuilds each attempt's request body from its outbox row (V21); its reader calls these.
GRANT EXECUTE ON FUNCTION webhook_event_body(uuid, text, timestamptz, text, jsonb), webhook_json_string(text),
    webhook_iso_instant(timestamptz) TO outbox_operator;
GRANT SELECT ON webhook_outbox_unrouted TO outbox_operator;              -- prune keeps events not routed yet
GRANT INSERT, UPDATE ON webhook_endpoints TO outbox_operator;
GRANT SELECT, INSERT, UPDATE, DELETE ON webhook_endpoint_headers TO outbox_operator;   -- --header, --remove-header
GRANT SELECT, INSERT, UPDATE, DELETE ON webhook_endpoint_oauth2 TO outbox_operator;    -- --oauth2-*, --remove-oauth2
GRANT UPDATE ON webhook_deliveries TO outbox_operator;                   -- replay
GRANT UPDATE (routing_state, routing_error, routed_at, delivery_count) ON webhook_outbox TO outbox_operator;
GRANT DELETE ON webhook_outbox, webhook_deliveries, webhook_audit_attempts TO outbox_operator; -- retention (prune)
-- prune drops whole audit partitions entirely before its cutoff (runs as the table's owner; refuses
-- DEFAULT and any partition reaching past the cutoff).
GRANT EXECUTE ON FUNCTION webhook_audit_logs_drop_partition(text, timestamptz) TO outbox_operator;
-- endpoints test (an outbox row, a delivery and its audited attempt) and skip (an audit row).
GRANT INSERT ON webhook_outbox, webhook_deliveries, webhook_audit_attempts TO outbox_operator;
