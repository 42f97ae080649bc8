-- The webhook outbox schema. Public contracts: webhook_outbox (the main application inserts)
-- and webhook_endpoints (the dashboard's backend registers). The worker owns the rest.
-- Every constraint is named: jOOQ's code generator simulates this file and must see the
-- same names PostgreSQL has.

-- The outbox: one row per event, inserted by the main application in its own transaction.
-- The application writes account_id, event_type, payload and optionally event_id and
-- occurred_at. The worker writes the routing columns when it fans the event out.
CREATE TABLE webhook_outbox (
    id            bigint GENERATED ALWAYS AS IDENTITY,
    event_id      uuid          NOT NULL DEFAULT gen_random_uuid(),
    account_id    varchar(200)  NOT NULL,
    event_type    varchar(200)  NOT NULL,
    payload       jsonb         NOT NULL,
    occurred_at   timestamptz   NOT NULL DEFAULT now(),
    created_at    timestamptz   NOT NULL DEFAULT now(),
    -- routing, written by the worker: NULL until fanned out; then 'routed' (deliveries
    -- created), 'no_endpoint' (the account has no matching endpoint) or 'rejected' (the row
    -- is unusable; routing_error says why).
    routing_state varchar(20)   NULL,
    routing_error text          NULL,
    routed_at     timestamptz   NULL,
    delivery_count integer      NOT NULL DEFAULT 0,
    CONSTRAINT webhook_outbox_pkey PRIMARY KEY (id),
    CONSTRAINT webhook_outbox_event_id_key UNIQUE (event_id),
    CONSTRAINT webhook_outbox_routing_state_check
        CHECK (routing_state IN ('routed', 'no_endpoint', 'rejected'))
);

-- The fan-out step reads unrouted events in insertion order; the index holds only those.
CREATE INDEX webhook_outbox_unrouted_idx ON webhook_outbox (id) WHERE routed_at IS NULL;

-- Endpoints: an account may register several. event_types NULL means every event type.
CREATE TABLE webhook_endpoints (
    id              bigint GENERATED ALWAYS AS IDENTITY,
    account_id      varchar(200)   NOT NULL,
    url             varchar(2000)  NOT NULL,
    secret          varchar(500)   NULL,
    event_types     varchar(200)[] NULL,
    description     varchar(500)   NULL,
    enabled         boolean        NOT NULL DEFAULT true,
    disabled_reason varchar(500)   NULL,
    disabled_at     timestamptz    NULL,
    created_at      timestamptz    NOT NULL DEFAULT now(),
    updated_at      timestamptz    NOT NULL DEFAULT now(),
    CONSTRAINT webhook_endpoints_pkey PRIMARY KEY (id),
    CONSTRAINT webhook_endpoints_url_scheme_check
        CHECK (url LIKE 'https://%' OR url LIKE 'http://%')
);

CREATE INDEX webhook_endpoints_account_idx ON webhook_endpoints (account_id);

-- One delivery per (event, endpoint) pair: its own state machine, retried and replayed
-- independently. attempts counts every attempt ever made (the audit numbering);
-- retry_base is the value of attempts when the current retry budget began (a replay
-- resets the budget without renumbering).
CREATE TABLE webhook_deliveries (
    id              bigint GENERATED ALWAYS AS IDENTITY,
    outbox_id       bigint         NOT NULL,
    event_id        uuid           NOT NULL,
    endpoint_id     bigint         NOT NULL,
    account_id      varchar(200)   NOT NULL,
    event_type      varchar(200)   NOT NULL,
    state           varchar(20)    NOT NULL DEFAULT 'pending',
    attempts        integer        NOT NULL DEFAULT 0,
    retry_base      integer        NOT NULL DEFAULT 0,
    next_attempt_at timestamptz    NOT NULL,
    locked_by       varchar(200)   NULL,
    locked_until    timestamptz    NULL,
    last_status     integer        NULL,
    last_error      text           NULL,
    created_at      timestamptz    NOT NULL,
    updated_at      timestamptz    NOT NULL,
    completed_at    timestamptz    NULL,
    CONSTRAINT webhook_deliveries_pkey PRIMARY KEY (id),
    CONSTRAINT webhook_deliveries_outbox_endpoint_key UNIQUE (outbox_id, endpoint_id),
    CONSTRAINT webhook_deliveries_outbox_fkey FOREIGN KEY (outbox_id) REFERENCES webhook_outbox (id),
    CONSTRAINT webhook_deliveries_endpoint_fkey FOREIGN KEY (endpoint_id) REFERENCES webhook_endpoints (id),
    CONSTRAINT webhook_deliveries_state_check
        CHECK (state IN ('pending', 'in_flight', 'succeeded', 'failed')),
    CONSTRAINT webhook_deliveries_lease_check
        CHECK ((state = 'in_flight') = (locked_by IS NOT NULL AND locked_until IS NOT NULL))
);

-- The claim walks this index in its ORDER BY; it holds only pending rows, so its cost does
-- not grow with the delivered history.
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at, id) WHERE state = 'pending';
-- Rescue of expired leases.
CREATE INDEX webhook_deliveries_lease_idx ON webhook_deliveries (locked_until) WHERE state = 'in_flight';
CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, id);
CREATE INDEX webhook_deliveries_event_idx ON webhook_deliveries (event_id);

-- WEBHOOK_AUDIT_LOGS of the product note: one row per attempt, never updated. No foreign
-- keys, so audit history outlives pruned deliveries and can be partitioned later.
CREATE TABLE webhook_audit_logs (
    id              bigint GENERATED ALWAYS AS IDENTITY,
    delivery_id     bigint         NOT NULL,
    event_id        uuid           NOT NULL,
    endpoint_id     bigint         NOT NULL,
    account_id      varchar(200)   NOT NULL,
    event_type      varchar(200)   NOT NULL,
    target_url      varchar(2000)  NOT NULL,
    payload         text           NOT NULL,
    attempt_number  integer        NOT NULL,
    status          varchar(10)    NOT NULL,
    response_status integer        NULL,
    response_body   text           NULL,
    error_message   text           NULL,
    duration_ms     integer        NOT NULL,
    worker_id       varchar(200)   NOT NULL,
    sent_at         timestamptz    NOT NULL,
    CONSTRAINT webhook_audit_logs_pkey PRIMARY KEY (id),
    CONSTRAINT webhook_audit_logs_status_check CHECK (status IN ('success', 'failed'))
);

CREATE INDEX webhook_audit_logs_delivery_idx ON webhook_audit_logs (delivery_id, attempt_number);
CREATE INDEX webhook_audit_logs_sent_at_idx ON webhook_audit_logs (sent_at);
