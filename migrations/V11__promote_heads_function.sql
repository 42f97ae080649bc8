-- Ordered delivery: the promotion of the next delivery of ordering keys (OrderedKeys.promoteHeads
-- calls it; README, "Ordered delivery per key"), as one function so that it is one round trip
-- and keeps one plan per session.
--
-- Why a function: the promotion runs for every recorded batch with ordered deliveries. Sent as
-- a statement, it had to be planned for every call (0.66 ms of a 2.3 ms call), because a plan
-- kept by the session could have been made while webhook_deliveries was nearly empty: a
-- sequential scan is cheapest then, and a kept one read the whole table for every batch once it
-- had grown (a bench drain fell from ~2,200 to 59 deliveries/s). Here the plans are made with
-- sequential scans, hash and merge joins priced out, so a kept plan is always index probes
-- driven by the keys, whatever the table's size when it was made.
--
-- The locks come first, in the caller's order (one global order: OrderedKeys.lockOrder). The
-- UPDATE takes a new snapshot (READ COMMITTED, a volatile function's each statement does), so it
-- sees what the transactions that held the locks committed.
/* [jooq ignore start] */
CREATE FUNCTION webhook_promote_heads(lock_endpoints integer[], lock_key_hashes integer[],
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
    -- Per key: its first delivery that still holds the key (waiting, pending, in flight, or
    -- failed on an endpoint whose policy is to block), promoted when that one is waiting. One
    -- walk of the key's entries in the ordering index, stopping at the first that holds the
    -- key. (Nothing later than a waiting delivery is ever pending: routing adds deliveries as
    -- waiting, and only an earlier one's success, skip or failure lets a later one go.)
    UPDATE webhook_deliveries d
       SET state = 'pending', next_attempt_at = at, updated_at = at
      FROM unnest(endpoint_ids, ordering_keys) AS k(endpoint_id, ordering_key)
      JOIN webhook_endpoints e ON e.id = k.endpoint_id
     CROSS JOIN LATERAL (
            SELECT f.id, f.state
              FROM webhook_deliveries f
             WHERE f.endpoint_id = k.endpoint_id AND f.ordering_key = k.ordering_key
               AND f.state IN ('waiting', 'pending', 'in_flight', 'failed')
               AND (f.state <> 'failed' OR e.on_exhausted = 'block')
             ORDER BY f.outbox_id
             LIMIT 1) AS head
     WHERE d.id = head.id AND head.state = 'waiting' AND d.state = 'waiting';
    GET DIAGNOSTICS promoted = ROW_COUNT;
    RETURN promoted;
END
$$;
/* [jooq ignore stop] */
