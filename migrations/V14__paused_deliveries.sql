-- Deliveries of a disabled endpoint are paused: state 'paused', outside the claim index (which
-- holds pending rows only), so a disabled endpoint's backlog is never claimed and costs the
-- claims of other endpoints nothing. The worker pauses them when it sees the endpoint disabled
-- and makes them pending, due at once, when it sees it enabled again, whoever changed
-- webhook_endpoints.enabled (the CLI, auto-disable, a dashboard's plain UPDATE).
ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_state_check;
ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_state_check
    CHECK (state IN ('waiting', 'pending', 'paused', 'in_flight', 'succeeded', 'failed', 'skipped'));

-- Written by the worker: whether it has paused the endpoint's deliveries. While it differs from
-- NOT enabled, the endpoint's deliveries are yet to be paused or resumed; the worker finds those
-- endpoints through the partial index, which is empty the rest of the time.
ALTER TABLE webhook_endpoints ADD COLUMN deliveries_paused boolean NOT NULL DEFAULT false;
CREATE INDEX webhook_endpoints_pause_pending_idx ON webhook_endpoints (id) WHERE enabled = deliveries_paused;

-- An endpoint's paused deliveries, for resuming them; empty while no endpoint is disabled.
CREATE INDEX webhook_deliveries_paused_idx ON webhook_deliveries (endpoint_id, id) WHERE state = 'paused';

-- A paused delivery still holds its ordering key: the ordering index and the promotion count it
-- among a key's unfinished deliveries.
DROP INDEX webhook_deliveries_ordering_idx;
CREATE INDEX webhook_deliveries_ordering_idx ON webhook_deliveries (endpoint_id, ordering_key, outbox_id)
    WHERE ordering_key IS NOT NULL AND state IN ('waiting', 'pending', 'paused', 'in_flight', 'failed');

/* [jooq ignore start] */
-- V11's function with 'paused' among the states that hold a key (comments there). CREATE OR
-- REPLACE keeps who may execute it but not its settings: V13's search_path is set again below.
CREATE OR REPLACE FUNCTION webhook_promote_heads(lock_endpoints integer[], lock_key_hashes integer[],
                                                 endpoint_ids bigint[], ordering_keys text[], at timestamptz)
    RETURNS integer
    LANGUAGE plpgsql
    SET enable_seqscan = off
    SET enable_hashjoin = off
    SET enable_mergejoin = off
    SET jit = off
AS $$
DECLARE
    promoted integer;
BEGIN
    PERFORM pg_advisory_xact_lock(l.endpoint, l.key_hash)
       FROM unnest(lock_endpoints, lock_key_hashes) AS l(endpoint, key_hash);
    UPDATE webhook_deliveries d
       SET state = 'pending', next_attempt_at = at, updated_at = at
      FROM unnest(endpoint_ids, ordering_keys) AS k(endpoint_id, ordering_key)
      JOIN webhook_endpoints e ON e.id = k.endpoint_id
     CROSS JOIN LATERAL (
            SELECT f.id, f.state
              FROM webhook_deliveries f
             WHERE f.endpoint_id = k.endpoint_id AND f.ordering_key = k.ordering_key
               AND f.state IN ('waiting', 'pending', 'paused', 'in_flight', 'failed')
               AND (f.state <> 'failed' OR e.on_exhausted = 'block')
             ORDER BY f.outbox_id
             LIMIT 1) AS head
     WHERE d.id = head.id AND head.state = 'waiting' AND d.state = 'waiting';
    GET DIAGNOSTICS promoted = ROW_COUNT;
    RETURN promoted;
END
$$;

SELECT set_config('search_path', quote_ident(current_schema()) || ', pg_temp', true);
ALTER FUNCTION webhook_promote_heads(integer[], integer[], bigint[], text[], timestamptz)
    SET search_path FROM CURRENT;
/* [jooq ignore stop] */
