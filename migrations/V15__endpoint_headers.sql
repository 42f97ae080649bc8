-- Static headers per endpoint, sent with every request to it: receivers behind an API gateway or a
-- corporate proxy often want an API key of their own. Values are usually credentials, so they are
-- sealed at rest like secrets ('sealed:v2:<key id>:<base64>', bound to the endpoint and the header's
-- name); the dashboard's backend may write plain text and the worker's sweep seals it.
--
-- The names a worker sets itself, or that would break the request, are refused; the Java list is
-- com.d3.webhooks.endpoints.HeaderRules.REFUSED_NAMES and a test holds the two together. How many
-- headers an endpoint has and their total size cannot be a CHECK: the CLI refuses too many, and the
-- worker fails the attempts of an endpoint that has them (the reason in the audit row).
CREATE TABLE webhook_endpoint_headers (
    id          bigint GENERATED ALWAYS AS IDENTITY,
    endpoint_id bigint        NOT NULL,
    name        varchar(100)  NOT NULL,
    value       varchar(2000) NOT NULL,
    created_at  timestamptz   NOT NULL DEFAULT now(),
    updated_at  timestamptz   NOT NULL DEFAULT now(),
    CONSTRAINT webhook_endpoint_headers_pkey PRIMARY KEY (id),
    CONSTRAINT webhook_endpoint_headers_endpoint_fkey
        FOREIGN KEY (endpoint_id) REFERENCES webhook_endpoints (id) ON DELETE CASCADE
);

/* [jooq ignore start] */
-- An RFC 9110 token, and none of the names the worker owns or that break HTTP.
ALTER TABLE webhook_endpoint_headers ADD CONSTRAINT webhook_endpoint_headers_name_check
    CHECK (name ~ '^[!#$%&''*+.^_`|~0-9A-Za-z-]+$'
           AND lower(name) NOT IN ('host', 'content-length', 'content-type', 'content-encoding',
                                   'transfer-encoding', 'connection', 'keep-alive', 'proxy-connection',
                                   'proxy-authorization', 'te', 'trailer', 'upgrade', 'expect', 'user-agent',
                                   'traceparent', 'tracestate')
           AND lower(name) NOT LIKE 'webhook-%'
           AND lower(name) NOT LIKE 'x-d3-%');

-- Sealed, or plain printable ASCII (no control characters, no leading or trailing space), at most
-- 1000 characters, that does not look sealed.
ALTER TABLE webhook_endpoint_headers ADD CONSTRAINT webhook_endpoint_headers_value_check
    CHECK (value ~ '^sealed:v2:[0-9a-f]{8}:[A-Za-z0-9+/]+={0,2}$'
           OR (value NOT LIKE 'sealed:%' AND length(value) <= 1000 AND value ~ '^[!-~]([ -~]*[!-~])?$'));

-- One header of a name per endpoint, whatever its case; it also serves the claim's lookup by endpoint.
CREATE UNIQUE INDEX webhook_endpoint_headers_name_key ON webhook_endpoint_headers (endpoint_id, lower(name));
/* [jooq ignore stop] */
