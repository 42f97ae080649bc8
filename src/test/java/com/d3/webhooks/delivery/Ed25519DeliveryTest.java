package com.d3.webhooks.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.endpoints.EndpointRepository;
import com.d3.webhooks.endpoints.EndpointSigning;
import com.d3.webhooks.endpoints.SigningKeyRepository;
import com.d3.webhooks.endpoints.SigningMode;
import com.d3.webhooks.secrets.SecretSealer;
import com.d3.webhooks.signing.SignatureScheme;
import com.d3.webhooks.signing.SignatureVerifier;
import com.d3.webhooks.signing.VerificationResult;
import com.d3.webhooks.signing.WebhookPublicKey;
import com.d3.webhooks.signing.WebhookSecret;
import com.d3.webhooks.signing.WebhookSigningKey;
import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.IndependentEd25519;
import com.d3.webhooks.testing.MutableClock;
import com.d3.webhooks.testing.TestDatabase;
import com.d3.webhooks.testing.TestReceiver;
import java.time.Duration;
import java.util.List;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Ed25519 endpoints end to end: a worker delivers to a real receiver on loopback, which verifies
 * with nothing but the public key that the endpoint's description shows (our verifier, and a
 * receiver written in Python). A rotation signs with both keys during the overlap and the new one
 * alone after it; a key pair that does not match fails its attempts with the reason, unsent.
 */
class Ed25519DeliveryTest {

    private final DSLContext dsl = TestDatabase.get().database().dsl();
    private final Fixtures fx = new Fixtures(dsl);
    private final MutableClock clock = MutableClock.startingNow();
    private final SecretSealer sealer = SecretSealer.of(SecretSealer.newKey());
    private final TestReceiver receiver = new TestReceiver();
    private final SigningKeyRepository signing = new SigningKeyRepository(dsl, sealer);
    private Worker worker;

    @BeforeEach
    void empty() {
        TestDatabase.get().reset();
        worker = fx.worker(Fixtures.testConfig("w-1").secrets(sealer).build(), clock);
    }

    @AfterEach
    void close() {
        worker.close();
        receiver.close();
    }

    @Test
    void anEd25519EndpointsRequestVerifiesWithItsPublicKeyAloneAndCarriesNoHmac() {
        long endpoint = fx.endpoint("acct_1", receiver.url("/hook"), WebhookSecret.generate().revealText());
        assertTrue(signing.setMode(endpoint, SigningMode.ED25519, clock.instant()));
        String publicKey = shown(endpoint).publicKey();
        fx.event("acct_1", "fileTask.completed", "{\"name\": \"r\u00e9sum\u00e9.pdf\"}");

        worker.drainDue();

        TestReceiver.Received r = receiver.received().get(0);
        assertTrue(r.header("webhook-signature").matches("v1a,[A-Za-z0-9+/]{86}=="), r.header("webhook-signature"));
        assertNull(r.header("X-D3-Signature"), "no HMAC for an ed25519 endpoint, though it has a secret");
        VerificationResult result = byPublicKey(publicKey).verify(r.headers(), r.body());
        assertTrue(result.isValid(), result.message());
        assertTrue(IndependentEd25519.pythonReceiverAccepts(publicKey, r));
        assertTrue(dsl.fetchValue("SELECT signing_key FROM webhook_endpoints").toString().startsWith("sealed:v2:"));
    }

    @Test
    void bothSendsV1AndV1aEntriesAndTheHmacHeaders() {
        WebhookSecret secret = WebhookSecret.generate();
        long endpoint = fx.endpoint("acct_1", receiver.url("/hook"), secret.revealText());
        signing.setMode(endpoint, SigningMode.BOTH, clock.instant());
        fx.event("acct_1", "fileTask.completed", "{}");

        worker.drainDue();

        TestReceiver.Received r = receiver.received().get(0);
        String[] entries = r.header("webhook-signature").split(" ");
        assertEquals(2, entries.length);
        assertTrue(entries[0].startsWith("v1,") && entries[1].startsWith("v1a,"), r.header("webhook-signature"));
        assertTrue(new SignatureVerifier(List.of(secret), clock).requiring(SignatureScheme.values())
                .verify(r.headers(), r.body()).isValid(), "a receiver holding the secret, as before");
        assertTrue(byPublicKey(shown(endpoint).publicKey()).verify(r.headers(), r.body()).isValid());
        assertTrue(IndependentEd25519.pythonReceiverAccepts(shown(endpoint).publicKey(), r));
    }

    @Test
    void bothKeysSignDuringTheOverlapAndOnlyTheNewOneAfter() {
        long endpoint = fx.endpoint("acct_1", receiver.url("/hook"), null);
        signing.setMode(endpoint, SigningMode.ED25519, clock.instant());
        String oldKey = shown(endpoint).publicKey();
        WebhookSigningKey.Pair next = WebhookSigningKey.generate();
        var rotation = signing.rotate(endpoint, next, Duration.ofHours(24), clock.instant()).orElseThrow();
        assertTrue(rotation.hadSecret());
        assertEquals(next.publicKey().text(), shown(endpoint).publicKey());
        assertEquals(oldKey, shown(endpoint).previousPublicKey());

        fx.event("acct_1", "fileTask.completed", "{\"phase\": \"overlap\"}");
        clock.advance(Duration.ofHours(23));
        worker.drainDue();
        TestReceiver.Received during = receiver.received().get(0);

        assertEquals(2, during.header("webhook-signature").split(" ").length, during.header("webhook-signature"));
        assertTrue(byPublicKey(oldKey).verify(during.headers(), during.body()).isValid(),
                "a receiver still holding the old public key verifies");
        assertTrue(byPublicKey(next.publicKey().text()).verify(during.headers(), during.body()).isValid(),
                "a receiver that switched already verifies");
        assertTrue(IndependentEd25519.pythonReceiverAccepts(oldKey, during));

        fx.event("acct_1", "fileTask.completed", "{\"phase\": \"after\"}");
        clock.advance(Duration.ofHours(1).plusSeconds(1));
        worker.drainDue();
        TestReceiver.Received after = receiver.received().get(1);

        assertEquals(1, after.header("webhook-signature").split(" ").length, after.header("webhook-signature"));
        assertEquals(VerificationResult.Failure.BAD_SIGNATURE,
                byPublicKey(oldKey).verify(after.headers(), after.body()).failure(), "the old key stopped signing");
        assertTrue(byPublicKey(next.publicKey().text()).verify(after.headers(), after.body()).isValid());
        assertEquals(List.of("succeeded", "succeeded"), fx.deliveries().stream().map(d -> d.getState()).toList(),
                "no delivery failed through the rotation");
    }

    @Test
    void aPublicKeyThatDoesNotMatchTheKeyFailsTheAttemptWithTheReasonAndSendsNothing() {
        WebhookSigningKey.Pair pair = WebhookSigningKey.generate();
        String wrong = WebhookSigningKey.generate().publicKey().text();
        dsl.execute("INSERT INTO webhook_endpoints (account_id, url, signing, signing_key, signing_public_key) "
                + "VALUES ('acct_1', ?, 'ed25519', ?, ?)", receiver.url("/hook"), pair.signingKey().revealText(), wrong);
        fx.event("acct_1", "fileTask.completed", "{}");

        worker.drainDue();

        assertEquals(0, receiver.received().size());
        String error = fx.audit().get(0).getErrorMessage();
        assertTrue(error.startsWith("endpoint signing key is unusable: the signing_key of endpoint "), error);
        assertTrue(error.contains("does not pair with its public key " + wrong), error);
        assertFalse(error.contains(pair.signingKey().revealText().substring(5)), error);
        assertEquals("pending", fx.deliveries().get(0).getState(), "retried on schedule");
    }

    @Test
    void anEndpointTestIsSignedAsTheEndpointSigns() {
        long endpoint = fx.endpoint("acct_1", receiver.url("/hook"), null);
        signing.setMode(endpoint, SigningMode.ED25519, clock.instant());

        var outcome = new EndpointProbe(dsl, Fixtures.testConfig("operator").secrets(sealer).build(), clock)
                .send(endpoint, "hello").orElseThrow();

        assertEquals("succeeded", outcome.settledAs());
        TestReceiver.Received r = receiver.received().get(0);
        assertTrue(String.valueOf(r.header("webhook-signature")).startsWith("v1a,"), r.header("webhook-signature"));
        assertTrue(byPublicKey(shown(endpoint).publicKey()).verify(r.headers(), r.body()).isValid());
    }

    @Test
    void switchingToHmacAndBackKeepsTheKeyPair() {
        long endpoint = fx.endpoint("acct_1", receiver.url("/hook"), WebhookSecret.generate().revealText());
        signing.setMode(endpoint, SigningMode.ED25519, clock.instant());
        String publicKey = shown(endpoint).publicKey();

        signing.setMode(endpoint, SigningMode.HMAC, clock.instant());
        fx.event("acct_1", "fileTask.completed", "{}");
        worker.drainDue();
        signing.setMode(endpoint, SigningMode.BOTH, clock.instant());

        assertTrue(receiver.received().get(0).header("webhook-signature").matches("v1,[^ ]+"), "hmac alone");
        assertEquals(publicKey, shown(endpoint).publicKey());
        assertEquals(SigningMode.BOTH, shown(endpoint).mode());
    }

    private EndpointSigning shown(long endpoint) {
        return new EndpointRepository(dsl).find(endpoint).orElseThrow().signing();
    }

    private SignatureVerifier byPublicKey(String whpk) {
        return new SignatureVerifier(List.of(), List.of(WebhookPublicKey.parse(whpk)), clock);
    }
}
