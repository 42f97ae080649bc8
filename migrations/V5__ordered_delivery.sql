-- Ordered delivery per key (see README, "Ordered delivery").
-- The application may set webhook_outbox.ordering_key (the task lifecycle sets the main task
-- id). For an endpoint with ordered = true, deliveries with the same key are sent one at a time
-- in outbox order: a delivery waits (state 'waiting', outside the claim index) until every
-- earlier delivery of its key to that endpoint has succeeded or been skipped. A delivery that
-- fails for good blocks its key until an operator replays or skips it.
ALTER TABLE webhook_outbox ADD COLUMN ordering_key varchar(200) NULL;

ALTER TABLE webhook_endpoints ADD COLUMN ordered boolean NOT NULL DEFAULT false;

ALTER TABLE webhook_deliveries ADD COLUMN ordering_key varchar(200) NULL;
ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_state_check;
ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_state_check
    CHECK (state IN ('waiting', 'pending', 'in_flight', 'succeeded', 'failed', 'skipped'));

-- Finds a key's unfinished deliveries and its next waiting one, per endpoint; only ordered,
-- unfinished deliveries are in it, so its size follows the keys in progress, not history.
CREATE INDEX webhook_deliveries_ordering_idx ON webhook_deliveries (endpoint_id, ordering_key, outbox_id)
    WHERE ordering_key IS NOT NULL AND state IN ('waiting', 'pending', 'in_flight', 'failed');

-- An operator's skip of a failed ordered delivery is recorded in the audit log as 'skipped'.
ALTER TABLE webhook_audit_logs DROP CONSTRAINT webhook_audit_logs_status_check;
ALTER TABLE webhook_audit_logs ADD CONSTRAINT webhook_audit_logs_status_check
    CHECK (status IN ('success', 'failed', 'skipped'));
