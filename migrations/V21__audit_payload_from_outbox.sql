-- The audit log stops storing a second copy of each event: an attempt's request body is built
-- from the outbox row alone (WebhookBody), so the attempt row keeps a NULL payload (and a NULL
-- account_id and event_type) and webhook_audit_logs becomes a view that takes them from
-- webhook_outbox, the body rebuilt byte for byte as it was sent (the signature can be checked
-- against it). The partitioned table is renamed webhook_audit_attempts; its partitions, indexes
-- and constraints keep their names. An attempt cannot outlive its event: prune deletes attempts
-- before the deliveries they belong to, and an outbox row cannot be deleted while it has
-- deliveries (V20). Nor can the event change under it: once attempted, its body fields are
-- refused by a trigger (below).
--
-- Rows written before this migration keep their own values (the view shows an attempt's own
-- value when it is not NULL), so nothing is rewritten: the migration changes the catalog only and
-- is instant at any size. Skipped attempts keep an empty payload (nothing was sent).
--
-- After this migration, run docs/roles.sql again: the grants were on the table, which the view
-- replaces under the old name.
--
-- jOOQ's simulation sees the rename, the nullable payload and a view with the same columns; the
-- functions, and the view's real payload expression, are between ignore markers.

ALTER TABLE webhook_audit_logs RENAME TO webhook_audit_attempts;
ALTER TABLE webhook_audit_attempts ALTER COLUMN payload DROP NOT NULL;
-- The event's account and type come from the outbox row the same way.
ALTER TABLE webhook_audit_attempts ALTER COLUMN account_id DROP NOT NULL;
ALTER TABLE webhook_audit_attempts ALTER COLUMN event_type DROP NOT NULL;

-- Every update of a delivery (claim, settle) writes an entry in each of its indexes; this one only
-- served "deliveries for this event", which webhook_outbox's unique event_id index answers (the
-- event's outbox_id, then webhook_deliveries_outbox_endpoint_key).
DROP INDEX webhook_deliveries_event_idx;

/* [jooq ignore start] */
-- Transaction-local: the functions below capture it (schema, then pg_temp last).
SELECT set_config('search_path', quote_ident(current_schema()) || ', pg_temp', true);

-- A JSON string's content as Jackson's JsonStringEncoder.quoteAsString writes it: " and \ and
-- the control characters escaped (\b \t \n \f \r, others \u00XX in upper-case hex), everything
-- else as is. PostgreSQL's own to_json writes lower-case hex, hence the function.
CREATE FUNCTION webhook_json_string(s text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path FROM CURRENT
AS $$
    SELECT CASE WHEN s !~ E'[\\x01-\\x1f"\\\\]' THEN s ELSE (
        SELECT string_agg(CASE c
                              WHEN '"' THEN E'\\"'
                              WHEN E'\\' THEN E'\\\\'
                              WHEN chr(8) THEN E'\\b'
                              WHEN chr(9) THEN E'\\t'
                              WHEN chr(10) THEN E'\\n'
                              WHEN chr(12) THEN E'\\f'
                              WHEN chr(13) THEN E'\\r'
                              ELSE CASE WHEN ascii(c) < 32 THEN E'\\u00' || upper(lpad(to_hex(ascii(c)), 2, '0'))
                                        ELSE c END
                          END, '' ORDER BY i)
          FROM regexp_split_to_table(s, '') WITH ORDINALITY AS t(c, i)) END
$$;

-- An instant as java.time's DateTimeFormatter.ISO_INSTANT writes it: UTC, fraction of 0, 3 or 6
-- digits (PostgreSQL keeps microseconds), years past 9999 with a '+', years before 1 AD as ISO
-- years (1 BC is 0000); the infinities as the worker's JDBC driver reads them
-- (OffsetDateTime.MAX / MIN).
CREATE FUNCTION webhook_iso_instant(t timestamptz) RETURNS text
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
    SET search_path FROM CURRENT
AS $$
    SELECT CASE
        WHEN t = 'infinity' THEN '+1000000000-01-01T17:59:59.999999999Z'
        WHEN t = '-infinity' THEN '-1000000000-12-31T06:00:00Z'
        ELSE (SELECT CASE WHEN y > 9999 THEN '+' || y
                          WHEN y < 0 THEN '-' || lpad((-y)::text, 4, '0')
                          ELSE lpad(y::text, 4, '0') END
                     || to_char(u, '-MM-DD"T"HH24:MI:SS')
                     || CASE WHEN us = '000000' THEN '' WHEN us LIKE '%000' THEN '.' || left(us, 3) ELSE '.' || us END
                     || 'Z'
                FROM (SELECT t AT TIME ZONE 'UTC' AS u) x
               CROSS JOIN LATERAL (SELECT to_char(x.u, 'US') AS us,
                                          extract(year FROM x.u)::bigint
                                              + CASE WHEN extract(year FROM x.u) < 0 THEN 1 ELSE 0 END AS y) v)
    END
$$;

-- The request body of an event, byte for byte what WebhookBody.of sends: {"id", "type",
-- "timestamp", "account_id", "data"}, data being the payload's jsonb text as the worker reads it.
-- WebhookBodyInSqlTest compares the two over awkward values.
CREATE FUNCTION webhook_event_body(event_id uuid, event_type text, occurred_at timestamptz, account_id text,
                                   payload jsonb) RETURNS text
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
    SET search_path FROM CURRENT
AS $$
    SELECT '{"id":"' || event_id::text
           || '","type":"' || webhook_json_string(event_type)
           || '","timestamp":"' || webhook_iso_instant(occurred_at)
           || '","account_id":"' || webhook_json_string(account_id)
           || '","data":' || payload::text || '}'
$$;

-- What the audit view shows as sent must stay what was sent: once any delivery of an event has
-- been attempted, the outbox row's body fields cannot change (only the schema's owner could: no
-- role of docs/roles.sql may update them). Fires only for UPDATEs that name one of them, never for
-- the router's.
CREATE FUNCTION webhook_outbox_keep_sent_body() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
AS $$
BEGIN
    IF (NEW.event_id, NEW.event_type, NEW.occurred_at, NEW.account_id, NEW.payload)
           IS DISTINCT FROM (OLD.event_id, OLD.event_type, OLD.occurred_at, OLD.account_id, OLD.payload)
       AND EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.outbox_id = OLD.id AND d.attempts > 0) THEN
        RAISE EXCEPTION 'webhook_outbox row % has been sent; its event_id, event_type, occurred_at, account_id and '
                        'payload cannot change (the audit log shows them as the body that was sent)', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER webhook_outbox_keep_sent_body
    BEFORE UPDATE OF event_id, event_type, occurred_at, account_id, payload ON webhook_outbox
    FOR EACH ROW EXECUTE FUNCTION webhook_outbox_keep_sent_body();

REVOKE EXECUTE ON FUNCTION webhook_outbox_keep_sent_body() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION webhook_json_string(text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION webhook_iso_instant(timestamptz) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION webhook_event_body(uuid, text, timestamptz, text, jsonb) FROM PUBLIC;
/* [jooq ignore stop] */

-- The audit log as it read before, same columns in the same order. This form is what jOOQ's
-- simulation can parse; it is replaced just below by the one that rebuilds the payload.
CREATE VIEW webhook_audit_logs AS
SELECT a.id, a.delivery_id, a.event_id, a.endpoint_id, a.account_id, a.event_type, a.target_url, a.payload,
       a.attempt_number, a.status, a.response_status, a.response_body, a.error_message, a.duration_ms,
       a.worker_id, a.sent_at
  FROM webhook_audit_attempts a;

/* [jooq ignore start] */
-- event_id is unique in webhook_outbox, so a query that selects none of the three columns taken
-- from there skips the join altogether.
CREATE OR REPLACE VIEW webhook_audit_logs AS
SELECT a.id, a.delivery_id, a.event_id, a.endpoint_id,
       coalesce(a.account_id, o.account_id) AS account_id,
       coalesce(a.event_type, o.event_type) AS event_type,
       a.target_url,
       coalesce(a.payload, webhook_event_body(o.event_id, o.event_type, o.occurred_at, o.account_id, o.payload))
           AS payload,
       a.attempt_number, a.status, a.response_status, a.response_body, a.error_message, a.duration_ms,
       a.worker_id, a.sent_at
  FROM webhook_audit_attempts a
  LEFT JOIN webhook_outbox o ON o.event_id = a.event_id;

-- V10's partition functions named the table; the same bodies on the renamed one. Their grants
-- stay (CREATE OR REPLACE keeps them).
CREATE OR REPLACE FUNCTION webhook_audit_log_partitions()
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
     WHERE i.inhparent = 'webhook_audit_attempts'::regclass
     ORDER BY 3 NULLS FIRST, 1
$$;

CREATE OR REPLACE FUNCTION webhook_audit_logs_ensure_partitions(from_at timestamptz, days integer)
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
    PERFORM pg_advisory_xact_lock(7366016522001);  -- "audit partitions", shared with the drop
    FOR i IN 0 .. days - 1 LOOP
        day_start := date_trunc('day', from_at) + make_interval(days => i);
        day_end := day_start + interval '1 day';
        CONTINUE WHEN EXISTS (SELECT 1 FROM webhook_audit_log_partitions() p
                               WHERE NOT p.is_default
                                 AND (p.from_at IS NULL OR p.from_at < day_end)
                                 AND (p.to_at IS NULL OR p.to_at > day_start));
        name := 'webhook_audit_logs_p' || to_char(day_start, 'YYYYMMDD');
        -- Inserts wait from here to commit (milliseconds unless DEFAULT is large).
        LOCK TABLE ONLY webhook_audit_attempts IN ACCESS EXCLUSIVE MODE;
        IF EXISTS (SELECT 1 FROM webhook_audit_logs_default WHERE sent_at >= day_start AND sent_at < day_end) THEN
            EXECUTE format('CREATE TABLE %I (LIKE webhook_audit_attempts INCLUDING DEFAULTS INCLUDING CONSTRAINTS)',
                           name);
            EXECUTE format('WITH m AS (DELETE FROM webhook_audit_logs_default WHERE sent_at >= $1 AND sent_at < $2 '
                           'RETURNING *) INSERT INTO %I SELECT * FROM m', name) USING day_start, day_end;
            GET DIAGNOSTICS moved = ROW_COUNT;
            EXECUTE format('ALTER TABLE webhook_audit_attempts ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                           name, day_start, day_end);
        ELSE
            EXECUTE format('CREATE TABLE %I PARTITION OF webhook_audit_attempts FOR VALUES FROM (%L) TO (%L)',
                           name, day_start, day_end);
            moved := 0;
        END IF;
        partition_name := name;
        moved_rows := moved;
        RETURN NEXT;
    END LOOP;
END
$$;
/* [jooq ignore stop] */
