-- The W3C trace context (https://www.w3.org/TR/trace-context/) of the application's work that wrote
-- the event, so its trace goes on through routing, every attempt and the receiver's own server.
-- Optional: INSERT INTO webhook_outbox (account_id, event_type, payload) works as before.
--
-- No CHECK on the format, on purpose: a malformed value must never make the application's insert
-- fail (the event would be lost with its transaction). The worker validates it when it reads it,
-- ignores and counts a malformed one, and delivers the event without the producer's trace.
ALTER TABLE webhook_outbox ADD COLUMN traceparent text;
ALTER TABLE webhook_outbox ADD COLUMN tracestate text;

COMMENT ON COLUMN webhook_outbox.traceparent IS
    'W3C traceparent of the producing work, e.g. 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01; null: none';
COMMENT ON COLUMN webhook_outbox.tracestate IS
    'W3C tracestate that goes with traceparent; ignored without a valid traceparent';
