-- A client certificate per endpoint, presented when the receiver asks for one during the TLS
-- handshake (mutual TLS). client_certificate is the PEM chain, leaf first, and is public;
-- client_key is its PKCS#8 PEM private key, sealed at rest like the secrets
-- ('sealed:v2:<key id>:<base64>', bound to the endpoint and this column). The dashboard's backend
-- may write the key as plain PEM; the worker's sweep seals it. Both are set, or neither.
--
-- A chain that does not parse, or a key that does not match it, cannot be a CHECK: the CLI
-- refuses them, and the worker fails the endpoint's attempts with the reason in the audit row.
ALTER TABLE webhook_endpoints ADD COLUMN client_certificate text;
ALTER TABLE webhook_endpoints ADD COLUMN client_key text;

ALTER TABLE webhook_endpoints ADD CONSTRAINT webhook_endpoints_client_certificate_pair_check
    CHECK ((client_certificate IS NULL) = (client_key IS NULL));

/* [jooq ignore start] */
ALTER TABLE webhook_endpoints ADD CONSTRAINT webhook_endpoints_client_certificate_form_check
    CHECK (client_certificate IS NULL
           OR (client_certificate LIKE '%-----BEGIN CERTIFICATE-----%' AND length(client_certificate) <= 32768));

ALTER TABLE webhook_endpoints ADD CONSTRAINT webhook_endpoints_client_key_form_check
    CHECK (client_key IS NULL
           OR (client_key ~ '^sealed:v2:[0-9a-f]{8}:[A-Za-z0-9+/]+={0,2}$' AND length(client_key) <= 12000)
           OR (client_key NOT LIKE 'sealed:%' AND client_key LIKE '%-----BEGIN %PRIVATE KEY-----%'
               AND length(client_key) <= 8000));
/* [jooq ignore stop] */
