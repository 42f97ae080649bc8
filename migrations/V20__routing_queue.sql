-- Routing without rewriting events, and by every worker at once.
--
-- Until now the router marked each outbox row routed (routed_at, routing_state, delivery_count).
-- That UPDATE rewrote the whole row, payload included, and could not be HOT (routed_at is in the
-- unrouted index's predicate); and each delivery's foreign key to its outbox row locked that row
-- (FOR KEY SHARE). Both dirtied every outbox page once more after it was written: a second copy of
-- each payload in the WAL and on disk until VACUUM, plus a full-page image of each page after a
-- checkpoint. About 2.7 KB of WAL and 1.1 KB of storage per delivery.
--
-- Now an event waits for routing as a small row in webhook_outbox_unrouted, added by a statement
-- trigger in the application's own INSERT (its statement is unchanged) and deleted by the router
-- in the transaction that creates the event's deliveries. A routed event's outbox row is never
-- written again: routing_state, routing_error and routed_at are written only for the events the
-- worker does not deliver ('rejected', 'no_endpoint'), and stay NULL for routed ones (their
-- deliveries say where they went). Routers take the queue's rows with FOR UPDATE SKIP LOCKED, so
-- any number of workers route at once; EventRouter holds back an event whose ordering key has an
-- earlier event still queued, so per-key order holds.
--
-- webhook_deliveries no longer has a foreign key to webhook_outbox; a trigger refuses to delete an
-- outbox row that still has deliveries or is not routed yet, which is what the key guarded (the
-- claim joins the outbox row for the payload). The router's own rows cannot race it: a queued
-- row is visible to the deleting statement until the router's transaction commits, and then the
-- deliveries are.
--
-- Existing installations: the events not routed yet (routed_at IS NULL) are queued below, in this
-- transaction, after the trigger is created (CREATE TRIGGER locks out inserts until the commit), so
-- none is missed or queued twice. Rows routed before keep their routing columns.

CREATE TABLE webhook_outbox_unrouted (
    outbox_id    bigint        NOT NULL,
    ordering_key varchar(200)  NULL,
    CONSTRAINT webhook_outbox_unrouted_pkey PRIMARY KEY (outbox_id)
);

-- A router holds an event back while an earlier event of its key is still queued (taken by
-- another router, or held back itself); only keyed events are in it.
CREATE INDEX webhook_outbox_unrouted_key_idx ON webhook_outbox_unrouted (ordering_key, outbox_id)
    WHERE ordering_key IS NOT NULL;

ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_outbox_fkey;

/* [jooq ignore start] */
-- Transaction-local: the functions below capture it (schema, then pg_temp last).
SELECT set_config('search_path', quote_ident(current_schema()) || ', pg_temp', true);

-- SECURITY DEFINER: the application's role needs no privilege on the queue. Events inserted as
-- already routed (the worker's endpoint test) are not queued.
CREATE FUNCTION webhook_outbox_queue_unrouted() RETURNS trigger
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path FROM CURRENT
AS $$
BEGIN
    INSERT INTO webhook_outbox_unrouted (outbox_id, ordering_key)
    SELECT id, ordering_key FROM inserted_events WHERE routed_at IS NULL;
    RETURN NULL;
END
$$;

CREATE TRIGGER webhook_outbox_queue_unrouted
    AFTER INSERT ON webhook_outbox
    REFERENCING NEW TABLE AS inserted_events
    FOR EACH STATEMENT EXECUTE FUNCTION webhook_outbox_queue_unrouted();

CREATE FUNCTION webhook_outbox_keep_referenced() RETURNS trigger
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path FROM CURRENT
AS $$
DECLARE
    kept bigint;
BEGIN
    SELECT o.id INTO kept
      FROM deleted_events o
     WHERE EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.outbox_id = o.id)
        OR EXISTS (SELECT 1 FROM webhook_outbox_unrouted u WHERE u.outbox_id = o.id)
     LIMIT 1;
    IF kept IS NOT NULL THEN
        RAISE EXCEPTION 'webhook_outbox row % still has deliveries or is not routed yet; it cannot be deleted', kept
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER webhook_outbox_keep_referenced
    AFTER DELETE ON webhook_outbox
    REFERENCING OLD TABLE AS deleted_events
    FOR EACH STATEMENT EXECUTE FUNCTION webhook_outbox_keep_referenced();

REVOKE EXECUTE ON FUNCTION webhook_outbox_queue_unrouted() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION webhook_outbox_keep_referenced() FROM PUBLIC;

-- A queue: every row is inserted once and deleted once. Vacuum it after a few thousand deletes
-- rather than after a fifth of a table that is usually nearly empty.
ALTER TABLE webhook_outbox_unrouted SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 5000,
                                         autovacuum_vacuum_insert_scale_factor = 0,
                                         autovacuum_vacuum_insert_threshold = 5000);

INSERT INTO webhook_outbox_unrouted (outbox_id, ordering_key)
SELECT id, ordering_key FROM webhook_outbox WHERE routed_at IS NULL;
/* [jooq ignore stop] */

DROP INDEX webhook_outbox_unrouted_idx;
