package com.d3.webhooks.secrets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.delivery.Worker;
import com.d3.webhooks.endpoints.EndpointRepository;
import com.d3.webhooks.endpoints.NewEndpoint;
import com.d3.webhooks.signing.WebhookSecret;
import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.MutableClock;
import com.d3.webhooks.testing.StandardWebhooks;
import com.d3.webhooks.testing.TestDatabase;
import com.d3.webhooks.testing.TestReceiver;
import java.time.Duration;
import java.util.List;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A sealed secret opens only where it was sealed: its endpoint and its column. A value copied
 * to another endpoint, or from previous_secret into secret, fails the attempt with a reason that
 * names the endpoint, and nothing goes out. Values sealed before the binding existed still open,
 * and the sweep re-seals them bound.
 */
class SealedSecretBindingTest {

    /** Sealed by the format without binding (sealed:v1), under {@link #V1_KEY}. */
    private static final String V1_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    private static final String V1_SECRET = "sealed:v1:0d0ed4c5:hrRPZ7xmckLspV5vSVKbdzzjCSBqYyBgD7hfyFuIrV4SU483oBqD03"
            + "/iSE+lhiHNRyHDyONTG3lJr/P7crXhg+8I";
    private static final String V1_SECRET_PLAIN = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final String V1_PREVIOUS = "sealed:v1:0d0ed4c5:D9Nc0C7vDfdvijlwYYN1LC3Ay1QpRcpiAQodbLKaberJK2qOn3k"
            + "mabpvPQTBUTJ88mC79tll2pMw+6EXZx4/CI4mNW2FhVd9AvE=";
    private static final String V1_PREVIOUS_PLAIN = "whsec_dGhlIHByZXZpb3VzIHNlY3JldCBiZWZvcmUgaXQ=";

    private final DSLContext dsl = TestDatabase.get().database().dsl();
    private final Fixtures fx = new Fixtures(dsl);
    private final MutableClock clock = MutableClock.startingNow();
    private final TestReceiver receiver = new TestReceiver();
    private final SecretSealer sealer = SecretSealer.of(SecretSealer.newKey());
    private final EndpointRepository endpoints = new EndpointRepository(dsl, sealer);

    @BeforeEach
    void empty() {
        TestDatabase.get().reset();
    }

    @AfterEach
    void close() {
        receiver.close();
    }

    @Test
    void aSecretCopiedToAnotherEndpointDoesNotOpenThere() {
        WebhookSecret secret = WebhookSecret.generate();
        long original = endpoints.add(new NewEndpoint("acct_1", receiver.url("/original"), secret.revealText(),
                List.of(), null));
        long copy = endpoints.add(new NewEndpoint("acct_1", receiver.url("/copy"), WebhookSecret.generate()
                .revealText(), List.of(), null));
        dsl.execute("UPDATE webhook_endpoints SET secret = (SELECT secret FROM webhook_endpoints WHERE id = ?) "
                + "WHERE id = ?", original, copy);
        fx.event("acct_1", "fileTask.completed", "{}");

        drain();

        assertEquals(1, receiver.received("/original").size());
        assertEquals(List.of(), receiver.received("/copy"), "nothing goes out signed with another endpoint's secret");
        String error = errorOfEndpoint(copy);
        assertTrue(error.startsWith("endpoint secret is unusable: the sealed secret of endpoint " + copy
                + " does not open there"), error);
    }

    @Test
    void aRotatedOutSecretCopiedBackIntoSecretDoesNotOpen() {
        long id = endpoints.add(new NewEndpoint("acct_1", receiver.url("/hook"), WebhookSecret.generate().revealText(),
                List.of(), null));
        endpoints.rotateSecret(id, WebhookSecret.generate(), Duration.ofDays(1), clock.instant());
        dsl.execute("UPDATE webhook_endpoints SET secret = previous_secret WHERE id = ?", id);
        fx.event("acct_1", "fileTask.completed", "{}");

        drain();

        assertEquals(List.of(), receiver.received());
        assertTrue(errorOfEndpoint(id).contains("sealed secret of endpoint " + id + " does not open there"),
                errorOfEndpoint(id));
    }

    @Test
    void theDocumentedSqlRotationStillSigns() {
        WebhookSecret before = WebhookSecret.generate();
        WebhookSecret after = WebhookSecret.generate();
        long id = endpoints.add(new NewEndpoint("acct_1", receiver.url("/hook"), before.revealText(), List.of(),
                null));
        // docs/operators.md: the dashboard's backend has no key, so the sealed value moves as it is.
        dsl.execute("UPDATE webhook_endpoints SET previous_secret = secret, previous_secret_expires_at = now() + "
                + "interval '24 hours', secret = ?, updated_at = now() WHERE id = ?", after.revealText(), id);
        fx.event("acct_1", "fileTask.completed", "{}");

        drain();

        var r = receiver.received().get(0);
        assertTrue(verifies(before, r), "the secret moved to previous_secret signs");
        assertTrue(verifies(after, r));
    }

    @Test
    void valuesSealedBeforeTheBindingStillSignAndTheSweepReSealsThemBound() {
        long id = dsl.resultQuery("INSERT INTO webhook_endpoints (account_id, url, secret, previous_secret, "
                        + "previous_secret_expires_at) VALUES ('acct_1', ?, ?, ?, now() + interval '1 day') RETURNING id",
                receiver.url("/hook"), V1_SECRET, V1_PREVIOUS).fetchOne(0, Long.class);
        SecretSealer v1Key = SecretSealer.of(V1_KEY);
        fx.event("acct_1", "fileTask.completed", "{}");

        drain(v1Key);
        var r = receiver.received().get(0);
        assertTrue(verifies(WebhookSecret.parse(V1_SECRET_PLAIN), r));
        assertTrue(verifies(WebhookSecret.parse(V1_PREVIOUS_PLAIN), r));

        assertEquals(2, new EndpointSecrets(dsl, v1Key).sealAll(), "the upgrade re-seals both");
        var stored = dsl.resultQuery("SELECT secret, previous_secret FROM webhook_endpoints WHERE id = ?", id)
                .fetchOne();
        assertTrue(stored.get(0, String.class).startsWith("sealed:v2:0d0ed4c5:"), stored.get(0, String.class));
        assertTrue(stored.get(1, String.class).startsWith("sealed:v2:0d0ed4c5:"), stored.get(1, String.class));
        assertEquals(0, new EndpointSecrets(dsl, v1Key).sealAll(), "idempotent");

        fx.event("acct_1", "fileTask.completed", "{}");
        drain(v1Key);
        var again = receiver.received().get(1);
        assertTrue(verifies(WebhookSecret.parse(V1_SECRET_PLAIN), again));
        assertTrue(verifies(WebhookSecret.parse(V1_PREVIOUS_PLAIN), again));
    }

    private void drain() {
        drain(sealer);
    }

    private void drain(SecretSealer keys) {
        try (Worker worker = fx.worker(Fixtures.testConfig("w-1").secrets(keys).build(), clock)) {
            worker.drainDue();
        }
    }

    private boolean verifies(WebhookSecret secret, TestReceiver.Received r) {
        return StandardWebhooks.verifies(secret, r, clock);
    }

    private String errorOfEndpoint(long endpointId) {
        return fx.audit().stream().filter(a -> a.getEndpointId() == endpointId).findFirst().orElseThrow()
                .getErrorMessage();
    }
}
