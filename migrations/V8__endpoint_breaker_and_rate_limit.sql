-- Endpoint health beyond auto-disable (issue 6): a circuit breaker per endpoint and an optional
-- rate limit per endpoint, both shared by every worker process through these columns.
-- (V8: V7 and V9 are taken by work on other branches; Flyway orders by version.)

-- Circuit breaker, written by the worker in the transaction that records attempt outcomes.
--   consecutive_failures  failed attempts since the endpoint's last success
--   breaker_open_until    NULL: closed. In the future: open, deliveries are held back until then
--                         (also while the one probe of a half-open breaker is on its way).
--                         Now or past: the pause is over; the next admission sends one probe.
--   breaker_openings      times the breaker opened (or a probe failed) since the last success;
--                         each pause doubles with it, up to the worker's --breaker-max-pause
--   breaker_opened_at     when it last opened, for operators
ALTER TABLE webhook_endpoints ADD COLUMN consecutive_failures integer NOT NULL DEFAULT 0;
ALTER TABLE webhook_endpoints ADD COLUMN breaker_open_until timestamptz NULL;
ALTER TABLE webhook_endpoints ADD COLUMN breaker_openings integer NOT NULL DEFAULT 0;
ALTER TABLE webhook_endpoints ADD COLUMN breaker_opened_at timestamptz NULL;

ALTER TABLE webhook_endpoints ADD CONSTRAINT webhook_endpoints_breaker_check
    CHECK (consecutive_failures >= 0 AND breaker_openings >= 0);

-- Rate limit: at most rate_limit_per_second requests per second to the endpoint, from all
-- workers together (NULL: no limit). A token bucket holding at most one second's worth of
-- requests; each worker takes tokens for the deliveries it claimed, in one statement per claim,
-- under the row lock:
--   rate_tokens       tokens left at rate_refilled_at (NULL: a full bucket)
--   rate_refilled_at  when the bucket was last brought up to date
ALTER TABLE webhook_endpoints ADD COLUMN rate_limit_per_second integer NULL;
ALTER TABLE webhook_endpoints ADD COLUMN rate_tokens double precision NULL;
ALTER TABLE webhook_endpoints ADD COLUMN rate_refilled_at timestamptz NULL;

ALTER TABLE webhook_endpoints ADD CONSTRAINT webhook_endpoints_rate_limit_check
    CHECK (rate_limit_per_second IS NULL OR rate_limit_per_second BETWEEN 1 AND 100000);
