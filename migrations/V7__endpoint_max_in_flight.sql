-- Per-endpoint override of the worker's --max-in-flight-per-endpoint: how many requests one
-- worker keeps in flight to this endpoint at most. NULL (the default) means the worker's own
-- setting (8 unless configured). Set it higher for a receiver known to take more parallel
-- requests, lower (1 for one at a time) for a fragile one: `outbox endpoints update ID
-- --max-in-flight N|default`.
ALTER TABLE webhook_endpoints ADD COLUMN max_in_flight integer NULL;
ALTER TABLE webhook_endpoints ADD CONSTRAINT webhook_endpoints_max_in_flight_check
    CHECK (max_in_flight > 0);
