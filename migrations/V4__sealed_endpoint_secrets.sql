-- Endpoint secrets at rest. The worker and the CLI store a secret sealed (AES-256-GCM, key from
-- OUTBOX_SECRET_KEY) in the same column, as 'sealed:v1:<key id>:<base64 nonce+ciphertext+tag>';
-- the dashboard's backend may still write plain text through the SQL contract, and the worker
-- seals it the first time it reads it. (V4: V2 and V3 are taken by work on other branches.)
--
-- A sealed value is longer than its secret (4/3 of the UTF-8 bytes, plus 62 characters), so the
-- column widens; plain text keeps the old 500-character bound, so that it can always be sealed.
ALTER TABLE webhook_endpoints ALTER COLUMN secret TYPE varchar(3000);

ALTER TABLE webhook_endpoints ADD CONSTRAINT webhook_endpoints_secret_form_check
    CHECK (secret IS NULL
           OR (secret LIKE 'sealed:v1:%:%' AND length(secret) <= 3000)
           OR (secret NOT LIKE 'sealed:%' AND length(secret) <= 500));
