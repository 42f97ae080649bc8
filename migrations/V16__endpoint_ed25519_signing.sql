-- Asymmetric signatures (Standard Webhooks 'v1a', Ed25519) per endpoint. signing says what signs
-- webhook-signature: 'hmac' (the default, as before: a v1 entry per active secret, and
-- X-D3-Signature), 'ed25519' (a v1a entry per active signing key; no HMAC at all, so the receiver
-- holds no shared secret), or 'both' (v1 and v1a entries side by side, and X-D3-Signature).
--
-- signing_key is the private key, 'whsk_' and the 32-byte seed in base64, sealed at rest like the
-- secrets ('sealed:v2:<key id>:<base64>', bound to the endpoint and the column); the dashboard's
-- backend may write it in plain text and the worker's sweep seals it. signing_public_key is the
-- matching 'whpk_' key that receivers verify with: not secret, stored plain so that the dashboard
-- can show it. The worker refuses to sign with a key whose public key does not match (the attempt
-- fails with the reason), since receivers would reject every request.
--
-- A rotation moves the current pair to previous_signing_key / previous_signing_public_key; both
-- keys sign (newest first) until previous_signing_key_expires_at, as for previous_secret.
ALTER TABLE webhook_endpoints ADD COLUMN signing varchar(10) NOT NULL DEFAULT 'hmac';
ALTER TABLE webhook_endpoints ADD COLUMN signing_key varchar(3000) NULL;
ALTER TABLE webhook_endpoints ADD COLUMN signing_public_key varchar(60) NULL;
ALTER TABLE webhook_endpoints ADD COLUMN previous_signing_key varchar(3000) NULL;
ALTER TABLE webhook_endpoints ADD COLUMN previous_signing_public_key varchar(60) NULL;
ALTER TABLE webhook_endpoints ADD COLUMN previous_signing_key_expires_at timestamptz NULL;

ALTER TABLE webhook_endpoints ADD CONSTRAINT webhook_endpoints_signing_check
    CHECK (signing IN ('hmac', 'ed25519', 'both'));
-- ed25519 and both need a key pair; both needs a secret too (else it would be ed25519).
ALTER TABLE webhook_endpoints ADD CONSTRAINT webhook_endpoints_signing_needs_key_check
    CHECK (signing = 'hmac' OR signing_key IS NOT NULL);
ALTER TABLE webhook_endpoints ADD CONSTRAINT webhook_endpoints_signing_both_needs_secret_check
    CHECK (signing <> 'both' OR secret IS NOT NULL);
ALTER TABLE webhook_endpoints ADD CONSTRAINT webhook_endpoints_signing_pair_check
    CHECK ((signing_key IS NULL) = (signing_public_key IS NULL));
ALTER TABLE webhook_endpoints ADD CONSTRAINT webhook_endpoints_previous_signing_key_check
    CHECK ((previous_signing_key IS NULL) = (previous_signing_key_expires_at IS NULL)
           AND (previous_signing_key IS NULL) = (previous_signing_public_key IS NULL));

/* [jooq ignore start] */
-- Sealed, or 'whsk_' and 32 bytes in standard base64 (43 characters and one '=').
ALTER TABLE webhook_endpoints ADD CONSTRAINT webhook_endpoints_signing_key_form_check
    CHECK (signing_key ~ '^(sealed:v2:[0-9a-f]{8}:[A-Za-z0-9+/]+={0,2}|whsk_[A-Za-z0-9+/]{43}=)$');
ALTER TABLE webhook_endpoints ADD CONSTRAINT webhook_endpoints_previous_signing_key_form_check
    CHECK (previous_signing_key ~ '^(sealed:v2:[0-9a-f]{8}:[A-Za-z0-9+/]+={0,2}|whsk_[A-Za-z0-9+/]{43}=)$');
-- 'whpk_' and the 32-byte public key in standard base64.
ALTER TABLE webhook_endpoints ADD CONSTRAINT webhook_endpoints_signing_public_key_form_check
    CHECK (signing_public_key ~ '^whpk_[A-Za-z0-9+/]{43}=$'
           AND (previous_signing_public_key IS NULL OR previous_signing_public_key ~ '^whpk_[A-Za-z0-9+/]{43}=$'));
/* [jooq ignore stop] */
