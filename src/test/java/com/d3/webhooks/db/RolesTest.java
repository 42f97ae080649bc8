package com.d3.webhooks.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.audit.AuditPartitions;
import com.d3.webhooks.delivery.DeliveryListener;
import com.d3.webhooks.delivery.Worker;
import com.d3.webhooks.endpoints.EndpointHeader;
import com.d3.webhooks.endpoints.EndpointHeaderRepository;
import com.d3.webhooks.endpoints.EndpointRepository;
import com.d3.webhooks.endpoints.NewEndpoint;
import com.d3.webhooks.oauth.OAuth2Repository;
import com.d3.webhooks.outbox.Outbox;
import com.d3.webhooks.outbox.OutboxEvent;
import com.d3.webhooks.secrets.EndpointSecrets;
import com.d3.webhooks.secrets.SecretSealer;
import com.d3.webhooks.signing.WebhookSigningKey;
import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.MutableClock;
import com.d3.webhooks.testing.TestDatabase;
import com.d3.webhooks.testing.TestPki;
import com.d3.webhooks.testing.TestReceiver;
import com.d3.webhooks.testing.TokenServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.exception.DataAccessException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * docs/roles.sql, applied to the test database, then each role used for real by a login user of
 * its own: what the role's part of the system does works, and what it must not do is refused by
 * PostgreSQL. Role names get a random suffix so that runs sharing a server do not meet.
 */
class RolesTest {

    private static final String SUFFIX = "_" + UUID.randomUUID().toString().substring(0, 8);
    private static final String APP = "outbox_app" + SUFFIX;
    private static final String WORKER = "outbox_worker" + SUFFIX;
    private static final String OPERATOR = "outbox_operator" + SUFFIX;

    private static final DSLContext OWNER = TestDatabase.get().database().dsl();

    @BeforeAll
    static void applyRoles() throws Exception {
        String sql = Files.readString(Path.of("docs", "roles.sql"))
                .replace("outbox_app", APP).replace("outbox_worker", WORKER).replace("outbox_operator", OPERATOR);
        // As in a database created before PostgreSQL 15, where every role could create objects in public.
        OWNER.execute("GRANT CREATE ON SCHEMA public TO PUBLIC");
        OWNER.execute(sql);
        OWNER.execute(sql); // idempotent
        for (String role : List.of(APP, WORKER, OPERATOR)) {
            OWNER.execute("CREATE ROLE " + role + "_login LOGIN IN ROLE " + role);
        }
    }

    @AfterAll
    static void dropRoles() {
        for (String role : List.of(APP, WORKER, OPERATOR)) {
            for (String r : List.of(role + "_login", role)) {
                OWNER.execute("DROP OWNED BY " + r);
                OWNER.execute("DROP ROLE " + r);
            }
        }
    }

    /** Runs the promotion of an ordered key that has nothing waiting: 0 promoted, or refused. */
    private static int promoteAKey(DSLContext dsl) {
        return com.d3.webhooks.ordering.OrderedKeys.promoteHeads(dsl,
                List.of(new com.d3.webhooks.ordering.OrderedKeys.Key(1, "main-task-1")), java.time.Instant.now());
    }

    @Test
    void theApplicationCanOnlyAppendEvents() {
        TestDatabase.get().reset();
        OWNER.execute("INSERT INTO webhook_endpoints (account_id, url, secret) VALUES ('acct_1', "
                + "'https://example.com/h', 'a secret')");
        try (Database app = connectAs(APP)) {
            DSLContext dsl = app.dsl();
            UUID id = UUID.randomUUID();
            OutboxEvent event = OutboxEvent.of("acct_1", "fileTask.completed", "{}").withEventId(id);
            assertEquals(Optional.of(id), Outbox.insert(dsl, event), "the Java API's insert, RETURNING included");
            assertEquals(Optional.empty(), Outbox.insert(dsl, event), "idempotent re-insert");
            dsl.execute("INSERT INTO webhook_outbox (account_id, event_type, payload) VALUES ('acct_1', "
                    + "'fileTask.failed', '{}'::jsonb)");
            dsl.execute("INSERT INTO webhook_outbox (account_id, event_type, payload, traceparent, tracestate) "
                    + "VALUES ('acct_1', 'fileTask.failed', '{}'::jsonb, "
                    + "'00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', 'vendor=abc')");

            refused(() -> dsl.fetch("SELECT payload FROM webhook_outbox"));
            refused(() -> dsl.fetch("SELECT account_id FROM webhook_outbox"));
            refused(() -> dsl.execute("UPDATE webhook_outbox SET payload = '{}'"));
            refused(() -> dsl.execute("DELETE FROM webhook_outbox"));
            refused(() -> dsl.execute("INSERT INTO webhook_outbox (account_id, event_type, payload, routing_state) "
                    + "VALUES ('acct_1', 'fileTask.failed', '{}'::jsonb, 'routed')"));
            refused(() -> dsl.fetch("SELECT secret FROM webhook_endpoints"));
            refused(() -> dsl.fetch("SELECT client_key FROM webhook_endpoints"));
            refused(() -> dsl.fetch("SELECT signing_key FROM webhook_endpoints"));
            refused(() -> dsl.fetch("SELECT url FROM webhook_endpoints"));
            refused(() -> dsl.fetch("SELECT value FROM webhook_endpoint_headers"));
            refused(() -> dsl.fetch("SELECT client_secret FROM webhook_endpoint_oauth2"));
            refused(() -> dsl.fetch("SELECT token_url FROM webhook_endpoint_oauth2"));
            refused(() -> dsl.execute("INSERT INTO webhook_endpoints (account_id, url) VALUES ('x', 'https://e.com')"));
            refused(() -> dsl.fetch("SELECT * FROM webhook_deliveries"));
            refused(() -> dsl.fetch("SELECT * FROM webhook_audit_logs"));
        }
    }

    @Test
    void theWorkerDeliversButCannotRedirectEndpointsOrRewriteHistory() {
        TestDatabase.get().reset();
        SecretSealer sealer = SecretSealer.of(SecretSealer.newKey());
        try (TestReceiver receiver = new TestReceiver(); TokenServer tokens = new TokenServer("client", "client secret");
             Database worker = connectAs(WORKER)) {
            // A rate limit, so the worker takes tokens from the endpoint's bucket too; rotations in their
            // overlap, so both secret columns and both signing key columns are sealed.
            var key = WebhookSigningKey.generate();
            var oldKey = WebhookSigningKey.generate();
            OWNER.execute("INSERT INTO webhook_endpoints (account_id, url, secret, previous_secret, "
                    + "previous_secret_expires_at, rate_limit_per_second, signing, signing_key, signing_public_key, "
                    + "previous_signing_key, previous_signing_public_key, previous_signing_key_expires_at) "
                    + "VALUES ('acct_1', ?, 'plain secret', 'old secret', now() + interval '1 day', 100, 'both', ?, ?, "
                    + "?, ?, now() + interval '1 day')", receiver.url("/hook"), key.signingKey().revealText(),
                    key.publicKey().text(), oldKey.signingKey().revealText(), oldKey.publicKey().text());
            OWNER.execute("INSERT INTO webhook_endpoint_headers (endpoint_id, name, value) "
                    + "SELECT id, 'X-Api-Key', 'plain key' FROM webhook_endpoints");
            // A client certificate with its key in plain PEM, as the dashboard may write it.
            TestPki.Issued client = TestPki.Authority.root("Receiver CA").client("outbox-client");
            OWNER.execute("UPDATE webhook_endpoints SET client_certificate = ?, client_key = ?", client.chainPem(),
                    client.keyPem());
            OWNER.execute("INSERT INTO webhook_endpoint_oauth2 (endpoint_id, token_url, client_id, client_secret) "
                    + "SELECT id, ?, 'client', 'client secret' FROM webhook_endpoints", tokens.url());
            new Fixtures(OWNER).event("acct_1", "fileTask.completed", "{}");
            DSLContext dsl = worker.dsl();

            // Everything the worker does, as the worker role: seal, route, claim, send, audit, settle,
            // and rescue an expired lease.
            new EndpointSecrets(dsl, sealer).checkAllCanBeOpened();
            assertEquals(7, new EndpointSecrets(dsl, sealer).sealAll(),
                    "both secrets, both signing keys, the header value, the client key and the OAuth2 client secret");
            MutableClock clock = MutableClock.startingNow();
            try (Worker w = new Worker(dsl, Fixtures.testConfig("w-roles").secrets(sealer)
                    .breaker(com.d3.webhooks.admission.CircuitBreaker.DEFAULT).build(), clock,
                    DeliveryListener.NONE)) {
                w.drainDue();
                new Fixtures(OWNER).event("acct_1", "fileTask.completed", "{}");
                new com.d3.webhooks.delivery.EventRouter(dsl, 10, 1 << 20).routeBatch(clock.instant());
                new com.d3.webhooks.delivery.DeliveryRepository(dsl).claim("w-dead", 1, clock.instant(),
                        java.time.Duration.ofSeconds(30));
                clock.advance(java.time.Duration.ofSeconds(31));
                w.drainDue();
            }
            assertEquals(2, receiver.received().size());
            assertEquals("plain key", receiver.received().get(0).header("X-Api-Key"));
            assertEquals(4, receiver.received().get(0).header("webhook-signature").split(" ").length,
                    "v1 and v1a entries for the current and the previous secret and key");
            assertEquals("Bearer tok-1", receiver.received().get(0).header("Authorization"));
            assertEquals(List.of("succeeded", "succeeded"),
                    OWNER.fetch("SELECT state FROM webhook_deliveries ORDER BY id").getValues(0, String.class));
            assertEquals(0, promoteAKey(dsl), "an ordered key's promotion (V11's function)");

            refused(() -> dsl.execute("UPDATE webhook_endpoints SET url = 'https://attacker.example/'"));
            refused(() -> dsl.execute("UPDATE webhook_endpoints SET event_types = NULL"));
            refused(() -> dsl.execute("UPDATE webhook_endpoints SET rate_limit_per_second = NULL"));
            refused(() -> dsl.execute("UPDATE webhook_endpoints SET client_certificate = NULL, client_key = NULL"));
            refused(() -> dsl.execute("UPDATE webhook_endpoints SET signing = 'hmac'"));
            refused(() -> dsl.execute("UPDATE webhook_endpoints SET signing_public_key = previous_signing_public_key"));
            refused(() -> dsl.execute("INSERT INTO webhook_endpoints (account_id, url) VALUES ('x', 'https://e.com')"));
            refused(() -> dsl.execute("DELETE FROM webhook_endpoints"));
            refused(() -> dsl.execute("UPDATE webhook_endpoint_headers SET name = 'X-Other'"));
            refused(() -> dsl.execute("INSERT INTO webhook_endpoint_headers (endpoint_id, name, value) "
                    + "SELECT id, 'X-Other', 'v' FROM webhook_endpoints"));
            refused(() -> dsl.execute("DELETE FROM webhook_endpoint_headers"));
            refused(() -> dsl.execute("UPDATE webhook_endpoint_oauth2 SET token_url = 'https://attacker.example/'"));
            refused(() -> dsl.execute("UPDATE webhook_endpoint_oauth2 SET client_id = 'other'"));
            refused(() -> dsl.execute("DELETE FROM webhook_endpoint_oauth2"));
            refused(() -> dsl.execute("UPDATE webhook_audit_attempts SET status = 'success'"));
            refused(() -> dsl.execute("DELETE FROM webhook_audit_attempts"));
            refused(() -> dsl.fetch("SELECT * FROM webhook_audit_attempts"));
            refused(() -> dsl.fetch("SELECT * FROM webhook_audit_logs"));
            refused(() -> dsl.execute("DELETE FROM webhook_deliveries"));
            refused(() -> dsl.execute("UPDATE webhook_outbox SET payload = '{}'"));
            refused(() -> dsl.execute("DELETE FROM webhook_outbox"));
            refused(() -> dsl.execute("TRUNCATE webhook_audit_attempts"));

            // Audit partitions ahead (the worker's hourly upkeep), but never a drop.
            AuditPartitions partitions = new AuditPartitions(dsl);
            partitions.ensureDays(java.time.Instant.now().plus(java.time.Duration.ofDays(200)), 1);
            refused(() -> partitions.drop("webhook_audit_logs_p20000101", java.time.Instant.now()));
            refused(() -> dsl.execute("DROP TABLE " + AuditPartitions.DEFAULT_PARTITION));
        }
    }

    @Test
    void theOperatorManagesEndpointsAndReadsEverythingButCannotRewriteAudit() {
        TestDatabase.get().reset();
        try (Database operator = connectAs(OPERATOR)) {
            DSLContext dsl = operator.dsl();
            SecretSealer sealer = SecretSealer.of(SecretSealer.newKey());
            long id = new EndpointRepository(dsl, sealer).add(new NewEndpoint("acct_1", "https://example.com/h",
                    "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", List.of(), null));
            EndpointHeaderRepository headers = new EndpointHeaderRepository(dsl, sealer);
            assertTrue(headers.change(id, List.of(new EndpointHeader("X-Api-Key", "key"),
                    new EndpointHeader("X-Tenant", "t1")), List.of(), java.time.Instant.now()));
            assertTrue(headers.change(id, List.of(), List.of("x-tenant"), java.time.Instant.now()));
            OAuth2Repository oauth2 = new OAuth2Repository(dsl, sealer);
            assertTrue(oauth2.change(id, new OAuth2Repository.Change("https://auth.example.com/token", "client",
                    "client secret", null, null), java.time.Instant.now()));
            assertEquals("client", new EndpointRepository(dsl).list(null).get(0).oauth2().clientId());
            assertTrue(oauth2.remove(id));
            assertEquals(List.of("X-Api-Key"), new EndpointRepository(dsl).list(null).get(0).headers().stream()
                    .map(com.d3.webhooks.endpoints.StaticHeader::name).toList());
            dsl.execute("UPDATE webhook_endpoints SET enabled = false, disabled_reason = 'maintenance' WHERE id = ?", id);
            assertEquals(0, promoteAKey(dsl), "skip and the endpoint policy changes promote a key's next delivery");
            dsl.fetch("SELECT * FROM webhook_audit_logs");
            dsl.fetch("SELECT * FROM webhook_deliveries");
            dsl.fetch("SELECT payload FROM webhook_outbox");
            dsl.execute("DELETE FROM webhook_audit_attempts WHERE sent_at < now() - interval '90 days'");

            // Operators append to the audit log (endpoints test, skip) and prune old rows.
            dsl.execute("DELETE FROM webhook_outbox WHERE routed_at < now() - interval '90 days'");
            refused(() -> dsl.execute("UPDATE webhook_audit_attempts SET status = 'success'"));
            refused(() -> dsl.execute("UPDATE webhook_outbox SET payload = '{}'"));
            refused(() -> dsl.execute("DROP TABLE webhook_audit_attempts"));

            // prune drops whole audit partitions through the function, not by itself.
            java.time.Instant cutoff = java.time.Instant.now().minus(java.time.Duration.ofDays(30));
            new AuditPartitions(OWNER).ensureDays(cutoff.minus(java.time.Duration.ofDays(3)), 1);
            String old = new AuditPartitions(dsl).list().stream().filter(p -> p.entirelyBefore(cutoff)).findFirst()
                    .orElseThrow().name();
            refused(() -> dsl.execute("DROP TABLE " + old));
            assertEquals(java.util.OptionalLong.of(0), new AuditPartitions(dsl).drop(old, cutoff));
            assertTrue(new AuditPartitions(dsl).list().stream().noneMatch(p -> p.name().equals(old)));
            refused(() -> new AuditPartitions(dsl).ensureDays(cutoff, 1));
        }
    }

    /**
     * No role but the schema's owner may create objects in it: a table or function planted there
     * could stand in for ours in another role's queries.
     */
    @Test
    void noRoleCanCreateObjectsInTheSchema() {
        for (String role : List.of(APP, WORKER, OPERATOR)) {
            try (Database db = connectAs(role)) {
                refused(() -> db.dsl().execute("CREATE TABLE public.webhook_planted (id int)"));
                refused(() -> db.dsl().execute("CREATE FUNCTION public.webhook_planted() RETURNS int "
                        + "LANGUAGE sql AS 'SELECT 1'"));
            }
        }
    }

    /**
     * Every function of the schema runs with the schema first and pg_temp last, whoever calls it
     * (a caller's own search_path, or a temporary table of the same name, cannot change what it
     * reads), and only the roles granted EXECUTE may call it.
     */
    @Test
    void everyFunctionPinsItsSearchPathAndPublicMayCallNone() {
        var functions = OWNER.fetch("""
                SELECT p.proname::text, coalesce(array_to_string(p.proconfig, ' | '), '') AS config,
                       EXISTS (SELECT FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
                                WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE') AS public_may_call
                  FROM pg_proc p
                 WHERE p.pronamespace = current_schema()::regnamespace
                   AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                                      AND d.objid = p.oid AND d.deptype = 'e')
                 ORDER BY 1""");
        assertTrue(functions.size() >= 4, functions.toString());
        for (var f : functions) {
            assertTrue(f.get("config", String.class).contains("search_path=public, pg_temp"),
                    f.get(0, String.class) + " has no pinned search_path: " + f.get("config", String.class));
            assertFalse(f.get("public_may_call", Boolean.class), f.get(0, String.class) + " is callable by PUBLIC");
        }
    }

    @Test
    void theApplicationCannotCallTheOutboxFunctions() {
        try (Database app = connectAs(APP)) {
            refusedToCall(() -> promoteAKey(app.dsl()));
            refusedToCall(() -> new AuditPartitions(app.dsl()).list());
        }
    }

    private static void refusedToCall(Runnable statement) {
        DataAccessException e = assertThrows(DataAccessException.class, statement::run);
        StringBuilder messages = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            messages.append(t.getMessage()).append('\n');
        }
        assertTrue(messages.toString().contains("permission denied for function"), messages.toString());
    }

    private static void refused(Runnable statement) {
        DataAccessException e = assertThrows(DataAccessException.class, statement::run);
        assertTrue(e.getMessage().contains("permission denied") || e.getMessage().contains("must be owner"),
                e.getMessage());
    }

    private static Database connectAs(String role) {
        String url = TestDatabase.get().jdbcUrl().replaceAll("([?&])user=[^&]*&?", "$1");
        url = url.endsWith("?") || url.endsWith("&") ? url.substring(0, url.length() - 1) : url;
        return Database.open(DatabaseConfig.of(url, role + "_login", null).withPoolSize(4));
    }
}
