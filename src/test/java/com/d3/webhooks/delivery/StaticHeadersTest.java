package com.d3.webhooks.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.endpoints.EndpointHeader;
import com.d3.webhooks.endpoints.EndpointHeaderRepository;
import com.d3.webhooks.secrets.EndpointSecrets;
import com.d3.webhooks.secrets.SealedPlace;
import com.d3.webhooks.secrets.SecretSealer;
import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.MutableClock;
import com.d3.webhooks.testing.TestDatabase;
import com.d3.webhooks.testing.TestReceiver;
import java.time.Instant;
import java.util.List;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Static headers reach a real receiver with every request, sealed values opened; a header row the
 * worker cannot use fails that endpoint's attempts with the reason in the audit row, naming the
 * header and never its value, while other endpoints' deliveries go on.
 */
class StaticHeadersTest {

    private static final String API_KEY = "k3y-6f1c2a9e-never-shown";

    private final DSLContext dsl = TestDatabase.get().database().dsl();
    private final Fixtures fx = new Fixtures(dsl);
    private final SecretSealer sealer = SecretSealer.of(SecretSealer.newKey());
    private final EndpointHeaderRepository headers = new EndpointHeaderRepository(dsl, sealer);
    private final TestReceiver receiver = new TestReceiver();

    @BeforeEach
    void empty() {
        TestDatabase.get().reset();
    }

    @AfterEach
    void close() {
        receiver.close();
    }

    @Test
    void everyRequestCarriesTheEndpointsHeadersBesideTheWorkersOwn() {
        long id = fx.endpoint("acct_1", receiver.url("/hook"), "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        headers.change(id, List.of(new EndpointHeader("X-Api-Key", API_KEY),
                new EndpointHeader("Authorization", "Basic dXNlcjpwYTpzcw==")), List.of(), Instant.now());
        assertTrue(dsl.resultQuery("SELECT bool_and(value LIKE 'sealed:v2:%') FROM webhook_endpoint_headers")
                .fetchOne(0, Boolean.class), "stored sealed");
        fx.event("acct_1", "fileTask.completed", "{}");
        fx.event("acct_1", "fileTask.failed", "{}");

        drain();

        assertEquals(2, receiver.received("/hook").size());
        for (var r : receiver.received("/hook")) {
            assertEquals(API_KEY, r.header("X-Api-Key"));
            assertEquals("Basic dXNlcjpwYTpzcw==", r.header("Authorization"), "a value with colons, whole");
            assertEquals("application/json", r.header("Content-Type"));
            assertTrue(r.header("webhook-signature").startsWith("v1,"), "still signed");
        }
    }

    @Test
    void endpointsTestSendsTheHeadersToo() {
        long id = fx.endpoint("acct_1", receiver.url("/hook"), null);
        headers.change(id, List.of(new EndpointHeader("X-Api-Key", API_KEY)), List.of(), Instant.now());

        var outcome = new EndpointProbe(dsl, Fixtures.testConfig("operator").secrets(sealer).build(),
                java.time.Clock.systemUTC()).send(id, "hello").orElseThrow();

        assertEquals("succeeded", outcome.settledAs());
        assertEquals(API_KEY, receiver.received("/hook").get(0).header("X-Api-Key"));
    }

    @Test
    void aPlainValueTheDashboardWroteIsSealedByTheSweepBoundToItsPlaceAndSent() {
        long id = fx.endpoint("acct_1", receiver.url("/hook"), null);
        dsl.execute("INSERT INTO webhook_endpoint_headers (endpoint_id, name, value) VALUES (?, 'X-Api-Key', ?)",
                id, API_KEY);

        assertEquals(1, new EndpointSecrets(dsl, sealer).sealAll());
        String stored = dsl.resultQuery("SELECT value FROM webhook_endpoint_headers").fetchOne(0, String.class);
        assertTrue(stored.startsWith("sealed:v2:" + sealer.keyId().orElseThrow() + ":"), stored);
        assertEquals(API_KEY, sealer.open(stored, SealedPlace.header(id, "x-api-key")),
                "bound to any case of the name");
        assertEquals(0, new EndpointSecrets(dsl, sealer).sealAll(), "nothing left to seal");
        new EndpointSecrets(dsl, sealer).checkAllCanBeOpened();

        fx.event("acct_1", "fileTask.completed", "{}");
        drain();
        assertEquals(API_KEY, receiver.received("/hook").get(0).header("X-Api-Key"));
    }

    @Test
    void unusableHeaderRowsFailTheirEndpointsAttemptsWithTheReasonAndOthersGoOn() {
        long good = fx.endpoint("acct_1", receiver.url("/good"), null);
        headers.change(good, List.of(new EndpointHeader("X-Api-Key", API_KEY)), List.of(), Instant.now());
        long copied = fx.endpoint("acct_1", receiver.url("/copied"), null);
        dsl.execute("INSERT INTO webhook_endpoint_headers (endpoint_id, name, value) "
                + "SELECT ?, name, value FROM webhook_endpoint_headers WHERE endpoint_id = ?", copied, good);
        long renamed = fx.endpoint("acct_1", receiver.url("/renamed"), null);
        headers.change(renamed, List.of(new EndpointHeader("X-Api-Key", API_KEY)), List.of(), Instant.now());
        dsl.execute("UPDATE webhook_endpoint_headers SET name = 'X-Other-Key' WHERE endpoint_id = ?", renamed);
        long otherKey = fx.endpoint("acct_1", receiver.url("/other-key"), null);
        new EndpointHeaderRepository(dsl, SecretSealer.of(SecretSealer.newKey())).change(otherKey,
                List.of(new EndpointHeader("X-Api-Key", API_KEY)), List.of(), Instant.now());
        long tooMany = fx.endpoint("acct_1", receiver.url("/too-many"), null);
        dsl.execute("INSERT INTO webhook_endpoint_headers (endpoint_id, name, value) "
                + "SELECT ?, 'X-H' || n, ? FROM generate_series(1, 21) n", tooMany, API_KEY);
        long tooBig = fx.endpoint("acct_1", receiver.url("/too-big"), null);
        dsl.execute("INSERT INTO webhook_endpoint_headers (endpoint_id, name, value) "
                + "SELECT ?, 'X-H' || n, repeat('v', 1000) FROM generate_series(1, 9) n", tooBig);
        fx.event("acct_1", "fileTask.completed", "{}");

        drain();

        assertEquals(1, receiver.received("/good").size());
        assertEquals(API_KEY, receiver.received("/good").get(0).header("X-Api-Key"));
        assertEquals(1, receiver.received().size(), "nothing goes out without its headers");
        String unusable = "endpoint headers are unusable: ";
        assertTrue(errorOf(copied).startsWith(unusable + "the sealed header X-Api-Key of endpoint " + copied
                + " does not open there"), errorOf(copied));
        assertTrue(errorOf(renamed).startsWith(unusable + "the sealed header X-Other-Key of endpoint " + renamed
                + " does not open there"), errorOf(renamed));
        assertTrue(errorOf(otherKey).startsWith(unusable + "header X-Api-Key is sealed with key id "),
                errorOf(otherKey));
        assertEquals(unusable + "endpoint " + tooMany + " has 21 headers, more than the 20 an endpoint may have",
                errorOf(tooMany));
        assertEquals(unusable + "endpoint " + tooBig + " has headers of 9072 bytes together, more than the 8192 an "
                + "endpoint may have", errorOf(tooBig));
        for (var row : fx.audit()) {
            assertFalse(row.formatJSON().contains(API_KEY), "a header value in the audit row: " + row);
        }
        assertEquals(5, fx.deliveries().stream().filter(d -> d.getState().equals("pending")).count(),
                "retried on the schedule");
    }

    private void drain() {
        try (Worker worker = fx.worker(Fixtures.testConfig("w-1").secrets(sealer).build(),
                MutableClock.startingNow())) {
            worker.drainDue();
        }
    }

    private String errorOf(long endpointId) {
        return fx.audit().stream().filter(a -> a.getEndpointId() == endpointId).findFirst().orElseThrow()
                .getErrorMessage();
    }
}
