-- Endpoint health: when the endpoint's current run of failed attempts began (NULL while its
-- last attempt succeeded). The worker disables an endpoint that has failed continuously for
-- longer than --auto-disable-after (default 5 days, as Svix does).
ALTER TABLE webhook_endpoints ADD COLUMN failing_since timestamptz NULL;
