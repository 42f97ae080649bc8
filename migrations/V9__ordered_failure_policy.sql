-- Ordered endpoints: what a key does when one of its deliveries fails for good (its retries
-- exhausted, or the receiver aborted it). 'block' (the default, as before): later deliveries of
-- the key wait until an operator replays or skips the failed one. 'skip': the failed delivery
-- stays failed (audited, replayable) and the key moves on to its next delivery at once.
-- Unordered endpoints ignore it: nothing waits behind their deliveries.
ALTER TABLE webhook_endpoints ADD COLUMN on_exhausted varchar(10) NOT NULL DEFAULT 'block';
ALTER TABLE webhook_endpoints ADD CONSTRAINT webhook_endpoints_on_exhausted_check
    CHECK (on_exhausted IN ('block', 'skip'));
