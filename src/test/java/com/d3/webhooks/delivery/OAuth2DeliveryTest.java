package com.d3.webhooks.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.db.schema.tables.records.WebhookAuditLogsRecord;
import com.d3.webhooks.admission.CircuitBreaker;
import com.d3.webhooks.network.DestinationPolicy;
import com.d3.webhooks.oauth.ClientCredentials;
import com.d3.webhooks.oauth.Deadline;
import com.d3.webhooks.oauth.OAuth2Repository;
import com.d3.webhooks.secrets.EndpointSecrets;
import com.d3.webhooks.secrets.SealedPlace;
import com.d3.webhooks.secrets.SecretSealer;
import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.MutableClock;
import com.d3.webhooks.testing.TestDatabase;
import com.d3.webhooks.testing.TestDns;
import com.d3.webhooks.testing.TestReceiver;
import com.d3.webhooks.testing.TestReceiver.Reply;
import com.d3.webhooks.testing.TokenServer;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.UUID;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Endpoints with OAuth2 client credentials, against a real token endpoint and a real receiver on
 * loopback that accepts only the tokens the token endpoint issued and did not revoke.
 */
class OAuth2DeliveryTest {

    private static final String CLIENT_ID = "d3-webhooks";
    private static final String CLIENT_SECRET = "cl13nt-s3cret-4e1b9c";

    private final DSLContext dsl = TestDatabase.get().database().dsl();
    private final Fixtures fx = new Fixtures(dsl);
    private final SecretSealer sealer = SecretSealer.of(SecretSealer.newKey());
    private final TokenServer tokens = new TokenServer(CLIENT_ID, CLIENT_SECRET);
    private final TestReceiver receiver = new TestReceiver().on("/hook", tokens.bearerChecker());
    private final MutableClock clock = MutableClock.startingNow();
    /** One worker for a whole test, so its tokens outlive a drain. */
    private Worker worker;

    @BeforeEach
    void empty() {
        TestDatabase.get().reset();
    }

    @AfterEach
    void close() {
        if (worker != null) {
            worker.close();
        }
        receiver.close();
        tokens.close();
    }

    @Test
    void twoHundredDeliveriesShareOneTokenFetchedOnceByConcurrentSends() {
        long id = endpointWithOAuth2(tokens.url());
        tokens.delayed(300); // every sender of the first batch needs the token while it is being fetched
        for (int i = 0; i < 200; i++) {
            fx.event("acct_1", "fileTask.completed", "{\"n\":" + i + "}");
        }

        drain();

        assertEquals(200, receiver.received("/hook").size());
        assertTrue(receiver.received("/hook").stream().allMatch(r -> "Bearer tok-1".equals(r.header("Authorization"))));
        assertTrue(tokens.requests().size() <= 2, tokens.requests().size() + " token requests");
        TestReceiver.Received request = tokens.requests().get(0);
        assertEquals("application/x-www-form-urlencoded", request.header("Content-Type"));
        assertEquals("grant_type=client_credentials&scope=webhooks%3Awrite+events&audience=https%3A%2F%2Fhooks"
                + ".example.com", request.bodyText());
        assertTrue(fx.deliveries().stream().allMatch(d -> d.getState().equals("succeeded")));
        assertEquals(id, fx.audit().get(0).getEndpointId());
    }

    @Test
    void aTokenIsReplacedShortlyBeforeItExpires() {
        endpointWithOAuth2(tokens.url());
        tokens.expiresIn(60);
        fx.event("acct_1", "fileTask.completed", "{}");
        drain();
        clock.advance(Duration.ofSeconds(29));
        fx.event("acct_1", "fileTask.completed", "{}");
        drain();
        clock.advance(Duration.ofSeconds(2)); // 31 s: within the last 30 s of its 60
        fx.event("acct_1", "fileTask.completed", "{}");
        drain();

        assertEquals(List.of("Bearer tok-1", "Bearer tok-1", "Bearer tok-2"),
                receiver.received("/hook").stream().map(r -> r.header("Authorization")).toList());
        assertEquals(2, tokens.requests().size());
    }

    @Test
    void aRevokedTokenIsReplacedOnceWithinTheSameAttempt() {
        endpointWithOAuth2(tokens.url());
        fx.event("acct_1", "fileTask.completed", "{}");
        drain();
        tokens.revoke("tok-1");
        fx.event("acct_1", "fileTask.completed", "{}");
        drain();

        assertEquals(List.of("Bearer tok-1", "Bearer tok-1", "Bearer tok-2"),
                receiver.received("/hook").stream().map(r -> r.header("Authorization")).toList());
        assertEquals(2, tokens.requests().size());
        List<WebhookAuditLogsRecord> audit = fx.audit();
        assertEquals(2, audit.size(), "one attempt each: the retry with the new token is part of the attempt");
        assertEquals(List.of(1, 1), audit.stream().map(WebhookAuditLogsRecord::getAttemptNumber).toList());
        assertEquals("success", audit.get(1).getStatus());
        assertEquals(200, audit.get(1).getResponseStatus());
    }

    @Test
    void aRevokedTokenThatCannotBeReplacedFailsTheAttemptWithBothReasons() {
        endpointWithOAuth2(tokens.url());
        fx.event("acct_1", "fileTask.completed", "{}");
        drain();
        tokens.revoke("tok-1");
        tokens.answering(Reply.status(503));
        fx.event("acct_1", "fileTask.completed", "{}");
        drain();

        WebhookAuditLogsRecord a = fx.audit().get(1);
        assertEquals(401, a.getResponseStatus());
        assertEquals("HTTP 401; then no OAuth2 access token: the token endpoint " + tokenTarget() + " answered HTTP 503",
                a.getErrorMessage());
    }

    @Test
    void aReceiverThatRefusesEveryTokenFailsTheAttemptAfterOneRefetch() {
        receiver.on("/hook", r -> Reply.status(401));
        endpointWithOAuth2(tokens.url());
        fx.event("acct_1", "fileTask.completed", "{}");
        drain();

        assertEquals(2, receiver.received("/hook").size());
        assertEquals(2, tokens.requests().size());
        WebhookAuditLogsRecord a = fx.audit().get(0);
        assertEquals("failed", a.getStatus());
        assertEquals(401, a.getResponseStatus());
        assertEquals("HTTP 401 (with a newly fetched access token too)", a.getErrorMessage());
        assertEquals("pending", fx.deliveries().get(0).getState(), "retried on schedule");
    }

    @Test
    void aFailingTokenEndpointFailsTheAttemptWithTheReasonAndItIsRetriedOnSchedule() {
        worker = fx.worker(Fixtures.testConfig("w-1").secrets(sealer).breaker(CircuitBreaker.DEFAULT).build(), clock);
        long id = endpointWithOAuth2(tokens.url());
        // Token endpoints echo what they were sent: nothing of the body may reach the audit row.
        tokens.answering(Reply.status(401).withBody("{\"error\":\"invalid_client\",\"error_description\":\"client "
                + CLIENT_ID + " with secret " + CLIENT_SECRET + " unknown\"}"));
        fx.event("acct_1", "fileTask.completed", "{}");
        drain();

        WebhookAuditLogsRecord a = fx.audit().get(0);
        assertEquals("failed", a.getStatus());
        assertEquals("no OAuth2 access token: the token endpoint " + tokenTarget() + " answered HTTP 401 "
                + "(invalid_client)", a.getErrorMessage());
        assertEquals(null, a.getResponseBody());
        assertEquals(0, receiver.received("/hook").size(), "no webhook without a token");
        assertEquals("pending", fx.deliveries().get(0).getState());
        assertEquals(1, dsl.resultQuery("SELECT consecutive_failures FROM webhook_endpoints WHERE id = ?", id)
                .fetchOne(0, Integer.class), "counted by the endpoint's health and breaker");

        tokens.answering(null);
        clock.advance(Duration.ofSeconds(11));
        drain();
        assertEquals("succeeded", fx.deliveries().get(0).getState());
        assertEquals(2, fx.deliveries().get(0).getAttempts());
        tokens.close();
        fx.event("acct_1", "fileTask.completed", "{}");
        clock.advance(Duration.ofHours(2)); // the token expired; its endpoint is gone
        drain();
        assertTrue(fx.audit().get(2).getErrorMessage().startsWith("no OAuth2 access token: token request: "
                + "connection refused by " + tokenTarget()), fx.audit().get(2).getErrorMessage());
    }

    @Test
    void theTokenRequestAndTheWebhookShareTheAttemptsConnectAndRequestTimeout() {
        endpointWithOAuth2(tokens.url());
        tokens.delayed(1500);
        receiver.on("/hook", r -> Reply.status(200).delayed(1800));
        fx.event("acct_1", "fileTask.completed", "{}");

        // Each request alone fits the 2 s request timeout; together they do not fit 1 s + 2 s.
        drainOnce(Fixtures.testConfig("w-1").secrets(sealer).connectTimeout(Duration.ofSeconds(1))
                .requestTimeout(Duration.ofSeconds(2)));

        WebhookAuditLogsRecord a = fx.audit().get(0);
        assertEquals("failed", a.getStatus());
        assertTrue(a.getErrorMessage().startsWith("timeout: no response from 127.0.0.1:"), a.getErrorMessage());
        assertTrue(a.getErrorMessage().endsWith("(what was left of the attempt's connect + request timeout)"),
                a.getErrorMessage());
        assertTrue(a.getDurationMs() < 3000 + 300, a.getDurationMs() + " ms");
    }

    @Test
    void theTokenUrlMustPassTheSameAddressChecksAsTheEndpoint() {
        TestDns.script("hooks.test", List.of(TestDns.PUBLIC));
        TestDns.script("auth.test", List.of(TestDns.LOOPBACK));
        TestDns.script("rebinding.test", List.of(TestDns.PUBLIC), List.of(TestDns.LOOPBACK));
        long checked = fx.endpoint("acct_1", "http://hooks.test/checked", null);
        oauth2(checked, tokens.url().replace("127.0.0.1", "auth.test"));
        long rebinding = fx.endpoint("acct_1", "http://hooks.test/rebinding", null);
        oauth2(rebinding, tokens.url().replace("127.0.0.1", "rebinding.test"));
        fx.event("acct_1", "fileTask.completed", "{}");

        drainOnce(Fixtures.testConfig("w-1").secrets(sealer).allowPrivateNetwork(false));

        assertEquals(0, tokens.requests().size());
        String port = tokens.url().replaceAll(".*:(\\d+)/.*", "$1");
        assertEquals("no OAuth2 access token: token URL refused: auth.test resolves to 127.0.0.1, a loopback "
                + "address (use --allow-private-network to permit)", errorOf(checked));
        assertTrue(errorOf(rebinding).startsWith("no OAuth2 access token: token request: refused when connecting: "
                + "rebinding.test resolves to 127.0.0.1"), errorOf(rebinding) + " (port " + port + ")");
    }

    @Test
    void underRequireHttpsAPlainHttpTokenUrlIsRefusedBeforeTheClientSecretIsSent() {
        WorkerConfig config = Fixtures.testConfig("w-1").secrets(sealer).requireHttps(true).build();
        OAuth2Sender sender = new OAuth2Sender(config, clock, new HttpSender(config, clock),
                DestinationPolicy.forDeliveries(true, null, config.connectTimeout()), "test");
        ClaimedDelivery d = new ClaimedDelivery(1, 1, null, 1, 0, UUID.randomUUID(), "fileTask.completed", "acct_1",
                OffsetDateTime.now(), "{}", 7, "https://hooks.test/hook", new EndpointCredentials(null, null, null,
                List.of(), null, null, StoredSigning.HMAC_ONLY,
                new ClientCredentials(tokens.url(), CLIENT_ID, CLIENT_SECRET, null, null)));

        AttemptResult r = sender.post(d, null, URI.create("https://hooks.test/hook"), new LinkedHashMap<>(), new byte[0],
                Deadline.after(Duration.ofSeconds(5)));

        assertEquals("no OAuth2 access token: refused: plain http token URL, and this worker runs with "
                + "--require-https", r.error());
        assertEquals(0, tokens.requests().size());
    }

    @Test
    void aPlainTextClientSecretTheDashboardWroteIsSealedByTheSweepAndUsed() {
        long id = fx.endpoint("acct_1", receiver.url("/hook"), null);
        dsl.execute("INSERT INTO webhook_endpoint_oauth2 (endpoint_id, token_url, client_id, client_secret) "
                + "VALUES (?, ?, ?, ?)", id, tokens.url(), CLIENT_ID, CLIENT_SECRET);

        assertEquals(1, new EndpointSecrets(dsl, sealer).sealAll());
        String stored = dsl.resultQuery("SELECT client_secret FROM webhook_endpoint_oauth2").fetchOne(0, String.class);
        assertTrue(stored.startsWith("sealed:v2:" + sealer.keyId().orElseThrow() + ":"), stored);
        assertEquals(CLIENT_SECRET, sealer.open(stored, SealedPlace.oauth2ClientSecret(id)));
        assertEquals(0, new EndpointSecrets(dsl, sealer).sealAll(), "nothing left to seal");
        new EndpointSecrets(dsl, sealer).checkAllCanBeOpened();

        fx.event("acct_1", "fileTask.completed", "{}");
        drain();
        assertEquals("Bearer tok-1", receiver.received("/hook").get(0).header("Authorization"));
    }

    @Test
    void aStaticAuthorizationHeaderBesideOAuth2FailsTheAttemptAndCannotBeCombinedAgain() {
        long id = endpointWithOAuth2(tokens.url());
        dsl.execute("INSERT INTO webhook_endpoint_headers (endpoint_id, name, value) "
                + "VALUES (?, 'authorization', 'Basic eDp5')", id);
        fx.event("acct_1", "fileTask.completed", "{}");
        drain();

        assertEquals("endpoint " + id + " has OAuth2 client credentials and a static Authorization header, which "
                + "the access token would replace: remove one of them", errorOf(id));
        assertEquals(0, receiver.received("/hook").size());
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> oauth2(id, tokens.url()));
        assertTrue(refused.getMessage().contains("sends a static Authorization header"), refused.getMessage());
    }

    @Test
    void endpointsTestSendsAToken() {
        long id = endpointWithOAuth2(tokens.url());

        var outcome = new EndpointProbe(dsl, Fixtures.testConfig("operator").secrets(sealer).build(),
                java.time.Clock.systemUTC()).send(id, "hello").orElseThrow();

        assertEquals("succeeded", outcome.settledAs());
        assertEquals("Bearer tok-1", receiver.received("/hook").get(0).header("Authorization"));
    }

    private long endpointWithOAuth2(String tokenUrl) {
        long id = fx.endpoint("acct_1", receiver.url("/hook"), "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        oauth2(id, tokenUrl);
        return id;
    }

    private void oauth2(long id, String tokenUrl) {
        assertTrue(new OAuth2Repository(dsl, sealer).change(id, new OAuth2Repository.Change(tokenUrl, CLIENT_ID,
                CLIENT_SECRET, "webhooks:write events", "https://hooks.example.com"), Instant.now()));
    }

    private String tokenTarget() {
        return tokens.url().replaceAll("^http://([^/]+)/.*$", "$1");
    }

    private String errorOf(long endpointId) {
        return fx.audit().stream().filter(a -> a.getEndpointId() == endpointId).findFirst().orElseThrow()
                .getErrorMessage();
    }

    private void drain() {
        if (worker == null) {
            worker = fx.worker(Fixtures.testConfig("w-1").secrets(sealer).build(), clock);
        }
        worker.drainDue();
    }

    private void drainOnce(WorkerConfig.Builder config) {
        try (Worker w = fx.worker(config.build(), clock)) {
            w.drainDue();
        }
    }
}
