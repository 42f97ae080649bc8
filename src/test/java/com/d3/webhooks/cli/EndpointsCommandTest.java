package com.d3.webhooks.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.db.schema.tables.records.WebhookEndpointsRecord;
import com.d3.webhooks.signing.SignatureScheme;
import com.d3.webhooks.signing.SignatureVerifier;
import com.d3.webhooks.signing.WebhookSecret;
import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.TestDatabase;
import com.d3.webhooks.testing.TestReceiver;
import com.d3.webhooks.testing.TestReceiver.Reply;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static com.d3.webhooks.db.schema.Tables.WEBHOOK_ENDPOINTS;

/** outbox endpoints show | update | disable | enable | rotate-secret | test, against real PostgreSQL and HTTP. */
class EndpointsCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    private final DSLContext dsl = TestDatabase.get().database().dsl();
    private final Fixtures fx = new Fixtures(dsl);
    private final TestReceiver receiver = new TestReceiver();

    @BeforeEach
    void empty() {
        TestDatabase.get().reset();
    }

    @AfterEach
    void close() {
        receiver.close();
    }

    private WebhookEndpointsRecord row(long id) {
        return dsl.selectFrom(WEBHOOK_ENDPOINTS).where(WEBHOOK_ENDPOINTS.ID.eq(id)).fetchSingle();
    }

    @Test
    void showPrintsTheEndpointWithoutItsSecret() throws Exception {
        long id = fx.endpoint("acct_1", "https://example.com/hooks", SECRET, "fileTask.completed");

        Cli.Result human = Cli.run("endpoints", "show", String.valueOf(id));
        Cli.Result json = Cli.run("endpoints", "show", String.valueOf(id), "--json");

        assertEquals(0, human.exit(), human.toString());
        assertTrue(human.out().contains("https://example.com/hooks"), human.out());
        assertTrue(human.out().contains("fileTask.completed"), human.out());
        assertFalse(human.out().contains(SECRET) || json.out().contains(SECRET), "never the secret");
        JsonNode doc = JSON.readTree(json.out());
        assertEquals("acct_1", doc.at("/endpoint/accountId").asText());
        assertTrue(doc.at("/endpoint/hasSecret").asBoolean());
        assertEquals(0, doc.at("/deliveries/failed").asInt());
    }

    @Test
    void listShowsTheKeyIdOfBothSecrets() throws Exception {
        var sealer = com.d3.webhooks.secrets.SecretSealer.of(com.d3.webhooks.secrets.SecretSealer.newKey());
        String keyId = sealer.keyId().orElseThrow();
        dsl.execute("INSERT INTO webhook_endpoints (account_id, url, secret, previous_secret, previous_secret_expires_at) "
                + "VALUES ('acct_1', 'https://example.com/hooks', ?, 'old-secret', now() + interval '1 day')", SECRET);
        new com.d3.webhooks.secrets.EndpointSecrets(dsl, sealer).sealAll();

        Cli.Result table = Cli.run("endpoints", "list");
        JsonNode listed = JSON.readTree(Cli.run("endpoints", "list", "--json").out()).get(0);

        assertTrue(table.out().contains("PREVIOUS SECRET"), table.toString());
        assertEquals(2, table.out().split("sealed \\(key " + keyId + "\\)", -1).length - 1, table.toString());
        assertEquals(keyId, listed.get("secretKeyId").asText());
        assertEquals(keyId, listed.get("previousSecretKeyId").asText(), listed.toString());
        assertTrue(listed.get("previousSecretSealed").asBoolean());
    }

    @Test
    void anUnknownIdIsAOneLineFailure() {
        Cli.Result r = Cli.run("endpoints", "show", "999");

        assertEquals(1, r.exit());
        assertEquals("outbox endpoints show: no endpoint 999; 'outbox endpoints list' shows the ids\n",
                r.err().replace("\r", ""));
    }

    @Test
    void updateChangesOnlyWhatIsGiven() {
        long id = fx.endpoint("acct_1", "https://example.com/hooks", SECRET, "fileTask.completed");

        Cli.Result r = Cli.run("endpoints", "update", String.valueOf(id), "--url", "https://example.com/v2");
        assertEquals(0, r.exit(), r.toString());
        assertEquals("https://example.com/v2", row(id).getUrl());
        assertEquals(List.of("fileTask.completed"), List.of(row(id).getEventTypes()));
        assertEquals(SECRET, row(id).getSecret());

        assertEquals(0, Cli.run("endpoints", "update", String.valueOf(id), "--event-types",
                "operation.completed,operation.failed").exit());
        assertEquals(List.of("operation.completed", "operation.failed"), List.of(row(id).getEventTypes()));
        assertEquals(0, Cli.run("endpoints", "update", String.valueOf(id), "--event-types", "all").exit());
        assertNull(row(id).getEventTypes(), "all types is NULL in the table");
    }

    @Test
    void orderingAndItsFailurePolicyAreSetOnAddAndUpdate() throws Exception {
        Cli.Result added = Cli.run("endpoints", "add", "--account", "acct_1", "--url", "https://example.com/tasks",
                "--ordered", "--on-exhausted", "skip", "--json");
        assertEquals(0, added.exit(), added.toString());
        long id = JSON.readTree(added.out()).at("/id").asLong();
        assertTrue(row(id).getOrdered());
        assertEquals("skip", row(id).getOnExhausted());

        long plain = fx.endpoint("acct_1", "https://example.com/hooks", null);
        assertEquals("block", row(plain).getOnExhausted(), "block is the default");
        Cli.Result r = Cli.run("endpoints", "update", String.valueOf(plain), "--ordered", "true", "--on-exhausted",
                "skip");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("ordered (on exhausted: skip)"), r.out());
        assertTrue(row(plain).getOrdered());
        assertEquals("skip", row(plain).getOnExhausted());
        assertEquals("https://example.com/hooks", row(plain).getUrl(), "nothing else changed");

        assertEquals(0, Cli.run("endpoints", "update", String.valueOf(plain), "--on-exhausted", "block").exit());
        assertEquals("block", row(plain).getOnExhausted());
        Cli.Result shown = Cli.run("endpoints", "show", String.valueOf(plain));
        assertTrue(shown.out().contains("blocks its key (--on-exhausted block)"), shown.out());
        assertEquals(0, Cli.run("endpoints", "update", String.valueOf(plain), "--ordered", "false").exit());
        assertFalse(row(plain).getOrdered());

        Cli.Result bad = Cli.run("endpoints", "update", String.valueOf(plain), "--on-exhausted", "retry");
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("on-exhausted must be block or skip"), bad.err());
        assertEquals(2, Cli.run("endpoints", "add", "--account", "acct_1", "--url", "https://example.com/x",
                "--on-exhausted", "never").exit());
        assertEquals(1, Cli.run("endpoints", "update", "999", "--on-exhausted", "skip").exit());
    }

    @Test
    void updateRefusesBadValuesAsUsageErrors() {
        long id = fx.endpoint("acct_1", "https://example.com/hooks", null);

        Cli.Result badUrl = Cli.run("endpoints", "update", String.valueOf(id), "--url", "ftp://example.com");
        Cli.Result badType = Cli.run("endpoints", "update", String.valueOf(id), "--event-types", "completed");
        Cli.Result nothing = Cli.run("endpoints", "update", String.valueOf(id));

        assertEquals(2, badUrl.exit());
        assertTrue(badUrl.err().contains("has scheme 'ftp'"), badUrl.err());
        assertEquals(2, badType.exit());
        assertEquals(2, nothing.exit());
        assertTrue(nothing.err().contains("nothing to change"), nothing.err());
        assertEquals("https://example.com/hooks", row(id).getUrl());
    }

    @Test
    void maxInFlightIsSetAtAddShownChangedAndResetToTheWorkersDefault() throws Exception {
        Cli.Result added = Cli.run("endpoints", "add", "--account", "acct_1", "--url", "https://example.com/hooks",
                "--max-in-flight", "3", "--json");
        assertEquals(0, added.exit(), added.toString());
        long id = JSON.readTree(added.out()).get("id").asLong();
        long other = fx.endpoint("acct_1", "https://example.com/other", null);
        assertEquals(3, row(id).getMaxInFlight());
        assertNull(row(other).getMaxInFlight());

        Cli.Result show = Cli.run("endpoints", "show", String.valueOf(id));
        assertTrue(show.out().contains("max in flight") && show.out().contains("3 per worker"), show.out());
        assertEquals(3, JSON.readTree(Cli.run("endpoints", "show", String.valueOf(id), "--json").out())
                .get("endpoint").get("maxInFlight").asInt());
        Cli.Result table = Cli.run("endpoints", "list");
        assertTrue(table.out().contains("MAX IN FLIGHT"), table.out());
        assertTrue(table.out().lines().anyMatch(l -> l.startsWith(String.valueOf(other)) && l.contains("default")),
                table.out());
        JsonNode listed = JSON.readTree(Cli.run("endpoints", "list", "--json").out());
        assertEquals(3, listed.get(0).get("maxInFlight").asInt());
        assertTrue(listed.get(1).get("maxInFlight").isNull());

        Cli.Result one = Cli.run("endpoints", "update", String.valueOf(id), "--max-in-flight", "1");
        assertEquals(0, one.exit(), one.toString());
        assertTrue(one.out().contains("max in flight 1"), one.out());
        assertEquals(1, row(id).getMaxInFlight());
        Cli.Result reset = Cli.run("endpoints", "update", String.valueOf(id), "--max-in-flight", "default");
        assertEquals(0, reset.exit(), reset.toString());
        assertTrue(reset.out().contains("max in flight default"), reset.out());
        assertNull(row(id).getMaxInFlight());

        for (String bad : List.of("0", "-2", "many")) {
            Cli.Result refused = Cli.run("endpoints", "update", String.valueOf(id), "--max-in-flight", bad);
            assertEquals(2, refused.exit(), refused.toString());
            assertTrue(refused.err().contains("--max-in-flight must be a whole number of at least 1, or 'default'"),
                    refused.err());
        }
        Cli.Result zeroAtAdd = Cli.run("endpoints", "add", "--account", "acct_1", "--url", "https://example.com/z",
                "--max-in-flight", "0");
        assertEquals(2, zeroAtAdd.exit(), zeroAtAdd.toString());
        assertNull(row(id).getMaxInFlight());
    }

    @Test
    void plainHttpIsAcceptedWithAWarning() {
        long id = fx.endpoint("acct_1", "https://example.com/hooks", null);

        Cli.Result r = Cli.run("endpoints", "update", String.valueOf(id), "--url", "http://example.com/hooks");

        assertEquals(0, r.exit());
        assertTrue(r.err().startsWith("warning: plain http"), r.err());
    }

    @Test
    void disableRecordsTheReasonAndEnableClearsIt() {
        long id = fx.endpoint("acct_1", "https://example.com/hooks", null);

        Cli.Result disabled = Cli.run("endpoints", "disable", String.valueOf(id), "--reason", "ticket 1234");
        assertEquals(0, disabled.exit(), disabled.toString());
        WebhookEndpointsRecord off = row(id);
        assertFalse(off.getEnabled());
        assertEquals("ticket 1234", off.getDisabledReason());
        assertNotNull(off.getDisabledAt());

        Cli.run("endpoints", "disable", String.valueOf(id), "--reason", "still off");
        assertEquals(off.getDisabledAt(), row(id).getDisabledAt(), "disabling again keeps the first time");
        assertEquals("still off", row(id).getDisabledReason());

        assertEquals(0, Cli.run("endpoints", "enable", String.valueOf(id)).exit());
        WebhookEndpointsRecord on = row(id);
        assertTrue(on.getEnabled());
        assertNull(on.getDisabledReason());
        assertNull(on.getDisabledAt());
        assertEquals(1, Cli.run("endpoints", "enable", "999").exit());
    }

    @Test
    void rotateSecretPrintsANewSecretOnceAndKeepsTheOldOneForTheOverlap() {
        long id = fx.endpoint("acct_1", "https://example.com/hooks", SECRET);
        Instant before = Instant.now();

        Cli.Result r = Cli.run("endpoints", "rotate-secret", String.valueOf(id), "--overlap", "2h");

        assertEquals(0, r.exit(), r.toString());
        Matcher m = Pattern.compile("whsec_[A-Za-z0-9+/=]+").matcher(r.out());
        assertTrue(m.find(), r.out());
        String printed = m.group();
        assertFalse(m.find(), "printed once");
        WebhookEndpointsRecord e = row(id);
        assertEquals(printed, e.getSecret());
        assertEquals(32, java.util.Base64.getDecoder().decode(printed.substring(6)).length);
        assertEquals(SECRET, e.getPreviousSecret());
        Duration left = Duration.between(before, e.getPreviousSecretExpiresAt().toInstant());
        assertTrue(left.compareTo(Duration.ofMinutes(119)) > 0 && left.compareTo(Duration.ofMinutes(121)) < 0,
                left.toString());
        assertTrue(r.out().contains("keeps signing too until"), r.out());
    }

    @Test
    void rotateSecretWithAGivenSecretDoesNotPrintIt() throws Exception {
        long id = fx.endpoint("acct_1", "https://example.com/hooks", SECRET);
        String mine = WebhookSecret.generate().revealText();

        Cli.Result r = Cli.run("endpoints", "rotate-secret", String.valueOf(id), "--secret", mine, "--overlap", "0s",
                "--json");

        assertEquals(0, r.exit(), r.toString());
        assertFalse(r.out().contains(mine));
        JsonNode doc = JSON.readTree(r.out());
        assertTrue(doc.get("secret").isNull());
        assertTrue(doc.get("previousSecretExpiresAt").isNull());
        assertEquals(mine, row(id).getSecret());
        assertNull(row(id).getPreviousSecret(), "a zero overlap keeps no previous secret");
        assertEquals(2, Cli.run("endpoints", "rotate-secret", String.valueOf(id), "--secret", "whsec_!!").exit());
        assertEquals(2, Cli.run("endpoints", "rotate-secret", String.valueOf(id), "--overlap", "31d").exit());
    }

    @Test
    void testSendsOneSignedEventAndAuditsItAsANormalDelivery() throws Exception {
        long id = fx.endpoint("acct_1", receiver.url("/hook"), SECRET, "operation.failed");
        receiver.on("/hook", req -> Reply.status(202).withBody("thanks"));

        Cli.Result r = Cli.run("endpoints", "test", String.valueOf(id), "--allow-private-network", "--json");

        assertEquals(0, r.exit(), r.toString());
        JsonNode doc = JSON.readTree(r.out());
        assertTrue(doc.get("succeeded").asBoolean());
        assertEquals(202, doc.get("responseStatus").asInt());
        assertEquals("thanks", doc.get("responseBody").asText());
        TestReceiver.Received got = receiver.received().get(0);
        assertEquals("endpoint.test", got.header("x-d3-event"));
        assertEquals("1", got.header("x-d3-attempt"));
        assertEquals(doc.get("deliveryId").asText(), got.header("x-d3-delivery"));
        assertTrue(JSON.readTree(got.body()).at("/data/endpoint_id").asLong() == id);
        var verified = new SignatureVerifier(List.of(WebhookSecret.parse(SECRET)), Clock.systemUTC())
                .requiring(SignatureScheme.values()).verify(got.headers(), got.body());
        assertTrue(verified.isValid(), verified.message());

        var delivery = fx.deliveries().get(0);
        assertEquals("succeeded", delivery.getState());
        assertEquals(1, delivery.getAttempts());
        var audit = fx.audit();
        assertEquals(1, audit.size());
        assertEquals("success", audit.get(0).getStatus());
        assertEquals(202, audit.get(0).getResponseStatus());
        assertTrue(audit.get(0).getWorkerId().startsWith("endpoints-test@"));
        var outbox = dsl.fetchOne("select routing_state, delivery_count from webhook_outbox");
        assertEquals("routed", outbox.get(0));
        assertEquals(1, outbox.get(1, Integer.class));
    }

    @Test
    void aFailedTestExitsOneIsFailedForGoodAndIsNotRetried() {
        long id = fx.endpoint("acct_1", receiver.url("/hook"), null);
        receiver.on("/hook", req -> Reply.status(500).withBody("boom"));

        Cli.Result r = Cli.run("endpoints", "test", String.valueOf(id), "--allow-private-network");

        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.out().startsWith("failed: " + receiver.url("/hook") + " answered HTTP 500"), r.out());
        assertTrue(r.out().contains("response: boom"), r.out());
        assertEquals("failed", fx.deliveries().get(0).getState());
        assertEquals("HTTP 500", fx.audit().get(0).getErrorMessage());
        try (var worker = fx.worker(Fixtures.testConfig("w-1").build(), Clock.systemUTC())) {
            assertEquals(0, worker.drainDue(), "a worker neither retries nor re-routes the test");
        }
        assertEquals(1, receiver.received().size());
    }

    @Test
    void testReachesADisabledEndpointButRespectsTheNetworkPolicy() {
        long id = fx.endpoint("acct_1", receiver.url("/hook"), null);
        Cli.run("endpoints", "disable", String.valueOf(id));

        Cli.Result refused = Cli.run("endpoints", "test", String.valueOf(id));
        Cli.Result sent = Cli.run("endpoints", "test", String.valueOf(id), "--allow-private-network");

        assertEquals(1, refused.exit());
        assertTrue(refused.out().contains("--allow-private-network"), refused.out());
        assertEquals(0, sent.exit(), sent.toString());
        assertEquals(1, receiver.received().size());
        assertEquals(2, fx.audit().size(), "the refused test is audited too");
    }
}
