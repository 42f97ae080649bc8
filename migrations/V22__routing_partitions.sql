-- Routers side by side without holding back each other's batches.
--
-- With V20 every router took the queue's first rows (SKIP LOCKED) and held back an event while an
-- earlier event of its ordering key was queued outside its batch. When the events of a few keys
-- interleave closely, the second router's batch then held only events of keys the first one had:
-- it held them all back, and two routers routed at one router's pace.
--
-- Now each queued event carries a routing partition (0 to 63), computed by the queueing trigger:
-- from its ordering key, so every event of a key lands in the same partition, or from its id when
-- it has none (no order to keep: they spread over all partitions). A router takes whole partitions
-- with a transaction-scoped advisory lock each (pg_try_advisory_xact_lock, never waiting) and
-- routes their events in id order: two routers take disjoint sets of keys. A router that dies
-- loses its transaction, and with it its locks and everything it took.
--
-- Per-key order does not depend on the partitions: the router still holds back an event while an
-- earlier event of its key is queued outside its batch. That check finds nothing among routers
-- that take partitions, and keeps the order where a router without them runs (a worker of the
-- earlier release during a rolling upgrade) or where a key's events sit in two partitions.
--
-- Existing installations: the events already queued get their partition below, in the
-- transaction that replaces the trigger; a key's queued events share it, so they go in id order.

ALTER TABLE webhook_outbox_unrouted ADD COLUMN routing_partition smallint NOT NULL DEFAULT 0;

/* [jooq ignore start] */
-- Transaction-local: the function below captures it (schema, then pg_temp last).
SELECT set_config('search_path', quote_ident(current_schema()) || ', pg_temp', true);

-- IMMUTABLE and the one place that knows the partitioning: hashtext of the key, or the id, taken
-- modulo 64 (a power of two, so a negative hash maps into range too).
CREATE FUNCTION webhook_routing_partition(ordering_key text, outbox_id bigint) RETURNS smallint
    LANGUAGE sql
    IMMUTABLE
    PARALLEL SAFE
    SET search_path FROM CURRENT
AS $$
    SELECT (CASE WHEN ordering_key IS NULL THEN outbox_id & 63 ELSE hashtext(ordering_key) & 63 END)::smallint
$$;

-- V20's function with the partition (comments there). CREATE OR REPLACE keeps who may execute it
-- but not its settings: they are given again.
CREATE OR REPLACE FUNCTION webhook_outbox_queue_unrouted() RETURNS trigger
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path FROM CURRENT
AS $$
BEGIN
    INSERT INTO webhook_outbox_unrouted (outbox_id, ordering_key, routing_partition)
    SELECT id, ordering_key, webhook_routing_partition(ordering_key, id) FROM inserted_events WHERE routed_at IS NULL;
    RETURN NULL;
END
$$;

REVOKE EXECUTE ON FUNCTION webhook_routing_partition(text, bigint) FROM PUBLIC;

UPDATE webhook_outbox_unrouted SET routing_partition = webhook_routing_partition(ordering_key, outbox_id);
/* [jooq ignore stop] */

ALTER TABLE webhook_outbox_unrouted ALTER COLUMN routing_partition DROP DEFAULT;

-- A router walks one partition's events in id order.
CREATE INDEX webhook_outbox_unrouted_partition_idx ON webhook_outbox_unrouted (routing_partition, outbox_id);
