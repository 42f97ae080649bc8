package com.d3.webhooks.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.endpoints.EndpointRepository;
import com.d3.webhooks.secrets.SecretColumn;
import com.d3.webhooks.signing.SignatureHeaders;
import com.d3.webhooks.signing.SignatureScheme;
import com.d3.webhooks.signing.SignatureVerifier;
import com.d3.webhooks.signing.VerificationResult;
import com.d3.webhooks.signing.WebhookSecret;
import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.MutableClock;
import com.d3.webhooks.testing.TestDatabase;
import com.d3.webhooks.testing.TestReceiver;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.stream.Collectors;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A secret rotation seen from the receiver: during the overlap both secrets verify the
 * Standard Webhooks signature (and X-D3-Signature carries the new one); once the worker's clock
 * passes the expiry, only the new secret verifies.
 */
class SecretRotationTest {

    private final DSLContext dsl = TestDatabase.get().database().dsl();
    private final Fixtures fx = new Fixtures(dsl);
    private final MutableClock clock = MutableClock.startingNow();
    private final TestReceiver receiver = new TestReceiver();
    private final WebhookSecret oldSecret = WebhookSecret.generate();
    private final WebhookSecret newSecret = WebhookSecret.generate();
    private Worker worker;

    @BeforeEach
    void empty() {
        TestDatabase.get().reset();
        worker = fx.worker(Fixtures.testConfig("w-1").build(), clock);
    }

    @AfterEach
    void close() {
        worker.close();
        receiver.close();
    }

    @Test
    void bothSecretsVerifyDuringTheOverlapAndOnlyTheNewOneAfter() {
        long endpoint = fx.endpoint("acct_1", receiver.url("/hook"), oldSecret.revealText());
        var rotation = new EndpointRepository(dsl).rotateSecret(endpoint, newSecret, Duration.ofHours(24),
                clock.instant()).orElseThrow();
        assertEquals(clock.instant().plus(Duration.ofHours(24)), rotation.previousSecretExpiresAt().toInstant());
        assertTrue(rotation.hadSecret());

        fx.event("acct_1", "fileTask.completed", "{\"phase\": \"overlap\"}");
        clock.advance(Duration.ofHours(23));
        worker.drainDue();
        TestReceiver.Received during = receiver.received().get(0);

        assertEquals(2, during.header("webhook-signature").split(" ").length, during.header("webhook-signature"));
        assertTrue(standardWebhooksOnly(oldSecret).verify(during.headers(), during.body()).isValid(),
                "a receiver still holding the old secret verifies webhook-signature");
        VerificationResult withNew = verifier(newSecret).requiring(SignatureScheme.values())
                .verify(during.headers(), during.body());
        assertTrue(withNew.isValid(), withNew.message());
        assertTrue(verifier(newSecret, oldSecret).verify(during.headers(), during.body()).isValid(),
                "a receiver configured with both secrets verifies both headers");

        fx.event("acct_1", "fileTask.completed", "{\"phase\": \"after\"}");
        clock.advance(Duration.ofHours(1).plusSeconds(1));
        worker.drainDue();
        TestReceiver.Received after = receiver.received().get(1);

        assertEquals(1, after.header("webhook-signature").split(" ").length, after.header("webhook-signature"));
        VerificationResult old = standardWebhooksOnly(oldSecret).verify(after.headers(), after.body());
        assertFalse(old.isValid(), "the old secret stopped signing at the expiry");
        assertEquals(VerificationResult.Failure.BAD_SIGNATURE, old.failure());
        assertTrue(verifier(newSecret).requiring(SignatureScheme.values()).verify(after.headers(), after.body())
                .isValid());
    }

    @Test
    void aZeroOverlapStopsTheOldSecretAtOnce() {
        long endpoint = fx.endpoint("acct_1", receiver.url("/hook"), oldSecret.revealText());
        var rotation = new EndpointRepository(dsl).rotateSecret(endpoint, newSecret, Duration.ZERO, clock.instant())
                .orElseThrow();
        assertEquals(null, rotation.previousSecretExpiresAt());
        fx.event("acct_1", "fileTask.completed", "{}");

        worker.drainDue();

        TestReceiver.Received r = receiver.received().get(0);
        assertEquals(1, r.header("webhook-signature").split(" ").length);
        assertFalse(standardWebhooksOnly(oldSecret).verify(r.headers(), r.body()).isValid());
    }

    @Test
    void rotatingAgainWithinTheOverlapKeepsOnlyTheTwoNewestSecrets() {
        long endpoint = fx.endpoint("acct_1", receiver.url("/hook"), oldSecret.revealText());
        EndpointRepository endpoints = new EndpointRepository(dsl);
        endpoints.rotateSecret(endpoint, newSecret, Duration.ofHours(24), clock.instant());
        WebhookSecret newest = WebhookSecret.generate();

        var second = endpoints.rotateSecret(endpoint, newest, Duration.ofHours(24), clock.instant()).orElseThrow();

        assertTrue(second.droppedOlderSecret());
        fx.event("acct_1", "fileTask.completed", "{}");
        worker.drainDue();
        TestReceiver.Received r = receiver.received().get(0);
        assertEquals(2, r.header("webhook-signature").split(" ").length);
        assertTrue(standardWebhooksOnly(newSecret).verify(r.headers(), r.body()).isValid());
        assertTrue(standardWebhooksOnly(newest).verify(r.headers(), r.body()).isValid());
        assertFalse(standardWebhooksOnly(oldSecret).verify(r.headers(), r.body()).isValid());
    }

    @Test
    void activeSecretsDropThePreviousOneAtItsExpiry() {
        OffsetDateTime expiry = clock.instant().atOffset(ZoneOffset.UTC);
        EndpointCredentials credentials =
                EndpointCredentials.hmac(newSecret.revealText(), oldSecret.revealText(), expiry);

        BiFunction<SecretColumn, String, WebhookSecret> plain = (column, stored) -> WebhookSecret.parse(stored);
        assertEquals(2, credentials.activeSecrets(clock.instant().minusMillis(1), plain).size());
        assertEquals(1, credentials.activeSecrets(clock.instant(), plain).size(), "expired at the instant itself");
        assertEquals(newSecret.revealText(),
                credentials.activeSecrets(clock.instant().minusMillis(1), plain).get(0).revealText(), "newest first");
    }

    private SignatureVerifier verifier(WebhookSecret... secrets) {
        return new SignatureVerifier(List.of(secrets), clock);
    }

    /** A Standard Webhooks library: it reads the webhook-* headers only. */
    private Verifier standardWebhooksOnly(WebhookSecret secret) {
        SignatureVerifier v = verifier(secret);
        return (headers, body) -> v.verify(headers.entrySet().stream()
                .filter(e -> !e.getKey().equalsIgnoreCase(SignatureHeaders.D3_SIGNATURE))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)), body);
    }

    private interface Verifier {
        VerificationResult verify(Map<String, String> headers, byte[] body);
    }
}
