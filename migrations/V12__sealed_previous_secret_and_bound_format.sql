-- The rotation's previous_secret is sealed like secret (the worker's sweep seals and re-seals
-- both), so it gets the same bounds: up to 3000 characters sealed, 500 in plain text.
--
-- Sealed values gain a second format, 'sealed:v2:<key id>:<base64>', whose AES-GCM additional
-- data names the endpoint and the column, so a value copied elsewhere does not open. Values of
-- the first format, 'sealed:v1:...', stay valid: they still open, and the sweep re-seals them as
-- v2 (README, "Reliability and security"; docs/operators.md).
ALTER TABLE webhook_endpoints ALTER COLUMN previous_secret TYPE varchar(3000);

ALTER TABLE webhook_endpoints DROP CONSTRAINT webhook_endpoints_secret_form_check;
ALTER TABLE webhook_endpoints ADD CONSTRAINT webhook_endpoints_secret_form_check
    CHECK (secret IS NULL
           OR ((secret LIKE 'sealed:v1:%:%' OR secret LIKE 'sealed:v2:%:%') AND length(secret) <= 3000)
           OR (secret NOT LIKE 'sealed:%' AND length(secret) <= 500));

ALTER TABLE webhook_endpoints ADD CONSTRAINT webhook_endpoints_previous_secret_form_check
    CHECK (previous_secret IS NULL
           OR ((previous_secret LIKE 'sealed:v1:%:%' OR previous_secret LIKE 'sealed:v2:%:%')
               AND length(previous_secret) <= 3000)
           OR (previous_secret NOT LIKE 'sealed:%' AND length(previous_secret) <= 500));
