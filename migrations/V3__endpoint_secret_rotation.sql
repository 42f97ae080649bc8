-- Operators' tools (issue 4): secret rotation with an overlap window, the database refusing
-- what it can in the webhook_endpoints contract, and indexes for replay and prune.
-- V2 is taken by the tasks schema on another branch; Flyway orders by version, so the gap is fine.

-- Secret rotation: after `outbox endpoints rotate-secret`, secret holds the new secret and
-- previous_secret the old one until previous_secret_expires_at. Until then every request
-- carries a webhook-signature entry for both (newest first); after it the worker signs with
-- the new secret alone, by comparing the expiry with its clock. Nothing has to clear the
-- columns; the next rotation overwrites them.
ALTER TABLE webhook_endpoints ADD COLUMN previous_secret varchar(500) NULL;
ALTER TABLE webhook_endpoints ADD COLUMN previous_secret_expires_at timestamptz NULL;

ALTER TABLE webhook_endpoints ADD CONSTRAINT webhook_endpoints_previous_secret_check
    CHECK ((previous_secret IS NULL) = (previous_secret_expires_at IS NULL));

-- The contract for the dashboard's backend, which writes this table by SQL: the database refuses
-- rows the worker could never use. Regular expressions are beyond jOOQ's schema simulation, so
-- these statements are hidden from it (they add no columns or keys, only checks).
/* [jooq ignore start] */
-- An absolute http(s) URL with a host and no user-info or whitespace (V1 already requires
-- the scheme; the worker still checks the rest, and the address, before each request).
ALTER TABLE webhook_endpoints ADD CONSTRAINT webhook_endpoints_url_shape_check
    CHECK (url ~ '^https?://[^\s/?#@]+([/?#]\S*)?$');

-- NULL means every event type; otherwise a non-empty list of dot-separated names such as
-- fileTask.completed (letters, digits, '_', each part starting with a letter), no NULLs.
-- The names cannot contain ',', so matching the comma-joined list checks every element.
ALTER TABLE webhook_endpoints ADD CONSTRAINT webhook_endpoints_event_types_check
    CHECK (event_types IS NULL OR (
        cardinality(event_types) > 0
        AND array_position(event_types, NULL) IS NULL
        AND array_to_string(event_types, ',')
            ~ '^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)+(,[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)+)*$'));

ALTER TABLE webhook_endpoints ADD CONSTRAINT webhook_endpoints_account_check
    CHECK (account_id ~ '\S');

-- A secret is NULL (unsigned requests) or non-blank text; a whsec_ secret must be base64 after
-- the prefix, since the worker decodes it for the Standard Webhooks HMAC key.
ALTER TABLE webhook_endpoints ADD CONSTRAINT webhook_endpoints_secret_check
    CHECK (secret IS NULL OR (secret ~ '\S'
        AND (left(secret, 6) <> 'whsec_' OR secret ~ '^whsec_[A-Za-z0-9+/]+={0,2}$')));

ALTER TABLE webhook_endpoints ADD CONSTRAINT webhook_endpoints_previous_secret_shape_check
    CHECK (previous_secret IS NULL OR (previous_secret ~ '\S'
        AND (left(previous_secret, 6) <> 'whsec_' OR previous_secret ~ '^whsec_[A-Za-z0-9+/]+={0,2}$')));
/* [jooq ignore stop] */

-- `outbox replay` walks failed deliveries by id (its default selection); this keeps each batch
-- an index range scan however much delivered history the table holds.
CREATE INDEX webhook_deliveries_failed_idx ON webhook_deliveries (id) WHERE state = 'failed';

-- `outbox prune` deletes finished deliveries oldest first and `outbox stats` counts the recent
-- ones; completed_at is set only when a delivery succeeds or fails for good.
CREATE INDEX webhook_deliveries_completed_idx ON webhook_deliveries (completed_at)
    WHERE completed_at IS NOT NULL;
