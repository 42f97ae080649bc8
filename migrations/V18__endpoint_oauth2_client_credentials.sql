-- OAuth2 client credentials (RFC 6749 section 4.4) per endpoint: the worker fetches an access token
-- from token_url with client_id and client_secret and sends it as "Authorization: Bearer ...". A
-- row here turns it on for its endpoint; no row, no token. The client secret is sealed at rest like
-- the endpoint's secret ('sealed:v2:<key id>:<base64>', bound to the endpoint and this column); the
-- dashboard's backend may write plain text and the worker's sweep seals it. The checks are those of
-- com.d3.webhooks.oauth.ClientCredentials, which the CLI and the worker apply too.
CREATE TABLE webhook_endpoint_oauth2 (
    endpoint_id   bigint        NOT NULL,
    token_url     varchar(2000) NOT NULL,
    client_id     varchar(500)  NOT NULL,
    client_secret varchar(1000) NOT NULL,
    scope         varchar(1000) NULL,
    audience      varchar(1000) NULL,
    created_at    timestamptz   NOT NULL DEFAULT now(),
    updated_at    timestamptz   NOT NULL DEFAULT now(),
    CONSTRAINT webhook_endpoint_oauth2_pkey PRIMARY KEY (endpoint_id),
    CONSTRAINT webhook_endpoint_oauth2_endpoint_fkey
        FOREIGN KEY (endpoint_id) REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    CONSTRAINT webhook_endpoint_oauth2_token_url_check
        CHECK (token_url LIKE 'https://%' OR token_url LIKE 'http://%')
);

/* [jooq ignore start] */
-- The token URL has the shape of an endpoint URL (webhook_endpoints_url_shape_check): no user-info.
ALTER TABLE webhook_endpoint_oauth2 ADD CONSTRAINT webhook_endpoint_oauth2_token_url_shape_check
    CHECK (token_url ~ '^https?://[^\s/?#@]+([/?#]\S*)?$');

-- RFC 6749 appendix A.1: printable ASCII and space.
ALTER TABLE webhook_endpoint_oauth2 ADD CONSTRAINT webhook_endpoint_oauth2_client_id_check
    CHECK (client_id ~ '^[ -~]+$');

-- Sealed, or plain text of at most 500 printable characters (RFC 6749 A.2) that does not look sealed.
ALTER TABLE webhook_endpoint_oauth2 ADD CONSTRAINT webhook_endpoint_oauth2_client_secret_check
    CHECK (client_secret ~ '^sealed:v2:[0-9a-f]{8}:[A-Za-z0-9+/]+={0,2}$'
           OR (client_secret NOT LIKE 'sealed:%' AND length(client_secret) <= 500
               AND client_secret ~ '^[ -~]+$'));

-- RFC 6749 section 3.3: scope tokens separated by single spaces.
ALTER TABLE webhook_endpoint_oauth2 ADD CONSTRAINT webhook_endpoint_oauth2_scope_check
    CHECK (scope IS NULL OR scope ~ '^[!#-\[\]-~]+( [!#-\[\]-~]+)*$');

-- Printable ASCII without a leading or trailing space.
ALTER TABLE webhook_endpoint_oauth2 ADD CONSTRAINT webhook_endpoint_oauth2_audience_check
    CHECK (audience IS NULL OR audience ~ '^[!-~]([ -~]*[!-~])?$');
/* [jooq ignore stop] */
