-- Every function of the outbox runs with a fixed search_path (this schema, then pg_temp last), so
-- neither a caller's search_path nor a temporary table of the same name can change what it reads;
-- V10's functions have it, V11's webhook_promote_heads did not. And only the roles that need a
-- function may call it (docs/roles.sql grants EXECUTE): a new function is callable by PUBLIC.

/* [jooq ignore start] */
-- Transaction-local: SET ... FROM CURRENT below captures it.
SELECT set_config('search_path', quote_ident(current_schema()) || ', pg_temp', true);

ALTER FUNCTION webhook_promote_heads(integer[], integer[], bigint[], text[], timestamptz)
    SET search_path FROM CURRENT;

REVOKE EXECUTE ON FUNCTION webhook_promote_heads(integer[], integer[], bigint[], text[], timestamptz) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION webhook_audit_log_partitions() FROM PUBLIC;
/* [jooq ignore stop] */
