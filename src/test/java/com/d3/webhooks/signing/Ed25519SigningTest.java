package com.d3.webhooks.signing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.testing.IndependentEd25519;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The v1a scheme against the Standard Webhooks reference library's own test vector, and what we
 * sign checked by verifiers that share no code with ours (OpenSSL, and a receiver in Python).
 */
class Ed25519SigningTest {

    /**
     * The reference Go library's asymmetric signing test (TestAsymmetricWebhookSign in
     * libraries/go/webhook_asymmetric_test.go): its key is the 32-byte seed, here in the spec's
     * whsk_ form. Ed25519 signatures are deterministic, so the signature must be exactly theirs.
     */
    static final String VECTOR_KEY = "whsk_VEVTVFNJR05JTkdLRVlET05PVFVTRVRISVNGT1JBTlk=";
    /** The public key of VECTOR_KEY, computed with Python's cryptography package. */
    static final String VECTOR_PUBLIC_KEY = "whpk_ZlN4eg7dSSqi0moX9hQUk3orrOouK3QVQSlJa248c/g=";
    static final String VECTOR_MSG_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    static final long VECTOR_TIMESTAMP = 1614265330L;
    static final byte[] VECTOR_PAYLOAD = "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8);
    static final String VECTOR_SIGNATURE =
            "v1a,tQ9V2XOqn7jL/DQenEFpqIugdBVtiMmER5mhSkXBNwM0mkATuDe6KYYUuxqtaiHeYGb7KaaBRdM5WqyeFiL8Ag==";

    private static final byte[] BODY = "{\"type\":\"fileTask.completed\",\"data\":{\"name\":\"r\u00e9sum\u00e9.pdf\"}}\n"
            .getBytes(StandardCharsets.UTF_8);

    @Test
    void signsTheReferenceLibrarysTestVectorExactly() {
        SignatureHeaders h = WebhookSigner.sign(List.of(), List.of(WebhookSigningKey.parse(VECTOR_KEY)),
                VECTOR_MSG_ID, VECTOR_TIMESTAMP, VECTOR_PAYLOAD);

        assertEquals(VECTOR_SIGNATURE, h.webhookSignature());
        assertNull(h.d3Signature(), "no secret signs, so no X-D3-Signature");
        assertFalse(h.asMap().containsKey(SignatureHeaders.D3_SIGNATURE));
        assertTrue(WebhookSigningKey.parse(VECTOR_KEY).pairsWith(WebhookPublicKey.parse(VECTOR_PUBLIC_KEY)));
    }

    @Test
    void withSecretsAndKeysTheV1EntriesComeFirstThenTheV1aOnes() {
        WebhookSecret secret = WebhookSecret.parse(WebhookSignerTest.SPEC_SECRET);
        SignatureHeaders h = WebhookSigner.sign(List.of(secret), List.of(WebhookSigningKey.parse(VECTOR_KEY)),
                VECTOR_MSG_ID, VECTOR_TIMESTAMP, VECTOR_PAYLOAD);

        String v1 = WebhookSigner.sign(List.of(secret), VECTOR_MSG_ID, VECTOR_TIMESTAMP, VECTOR_PAYLOAD)
                .webhookSignature();
        assertEquals(v1 + " " + VECTOR_SIGNATURE, h.webhookSignature());
        assertEquals(Signatures.d3(secret, VECTOR_PAYLOAD), h.d3Signature(), "X-D3-Signature stays the HMAC");
    }

    @Test
    void opensslVerifiesWhatWeSignWithTheWhpkKeyAlone() throws Exception {
        WebhookSigningKey.Pair pair = WebhookSigningKey.generate();
        String header = WebhookSigner.sign(List.of(), List.of(pair.signingKey()), "evt_1", 1_700_000_000L, BODY)
                .webhookSignature();
        byte[] signature = Base64.getDecoder().decode(header.substring("v1a,".length()));
        byte[] signed = concat("evt_1.1700000000.".getBytes(StandardCharsets.UTF_8), BODY);

        assertTrue(IndependentEd25519.opensslVerifies(pair.publicKey().text(), signed, signature));
        signed[signed.length - 2] ^= 1;
        assertFalse(IndependentEd25519.opensslVerifies(pair.publicKey().text(), signed, signature),
                "one bit of the body changed");
    }

    @Test
    void aPythonReceiverVerifiesTheHeaderWithTheWhpkKeyAlone() {
        WebhookSigningKey.Pair pair = WebhookSigningKey.generate();
        WebhookSecret secret = WebhookSecret.generate();
        String header = WebhookSigner.sign(List.of(secret), List.of(pair.signingKey()), "evt_2", 1_700_000_000L,
                BODY).webhookSignature();

        assertTrue(IndependentEd25519.pythonReceiverAccepts(pair.publicKey().text(), "evt_2", "1700000000", header,
                BODY), "the v1a entry of a 'both' header");
        assertTrue(IndependentEd25519.pythonReceiverAccepts(VECTOR_PUBLIC_KEY, VECTOR_MSG_ID,
                Long.toString(VECTOR_TIMESTAMP), VECTOR_SIGNATURE, VECTOR_PAYLOAD), "the reference test vector");
        assertFalse(IndependentEd25519.pythonReceiverAccepts(pair.publicKey().text(), "evt_2", "1700000001", header,
                BODY), "another timestamp");
        assertFalse(IndependentEd25519.pythonReceiverAccepts(WebhookSigningKey.generate().publicKey().text(), "evt_2",
                "1700000000", header, BODY), "another key");
    }

    @Test
    void theJdksOwnVerifierAcceptsWhatWeSign() throws Exception {
        WebhookSigningKey.Pair pair = WebhookSigningKey.generate();
        String header = pair.signingKey().sign("evt_3", "1700000000", BODY);
        java.security.Signature jdk = java.security.Signature.getInstance("Ed25519");
        jdk.initVerify(java.security.KeyFactory.getInstance("Ed25519").generatePublic(
                new java.security.spec.X509EncodedKeySpec(concat(new byte[] {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b,
                        0x65, 0x70, 0x03, 0x21, 0x00}, Base64.getDecoder().decode(pair.publicKey().text().substring(5))))));
        jdk.update(concat("evt_3.1700000000.".getBytes(StandardCharsets.UTF_8), BODY));

        assertTrue(jdk.verify(Base64.getDecoder().decode(header.substring(4))));
    }

    @Test
    void generatedKeysHaveTheSpecsFormsAndPairOnlyWithEachOther() {
        WebhookSigningKey.Pair a = WebhookSigningKey.generate();
        WebhookSigningKey.Pair b = WebhookSigningKey.generate();

        assertTrue(a.signingKey().revealText().matches("whsk_[A-Za-z0-9+/]{43}="), "32 bytes");
        assertTrue(a.publicKey().text().matches("whpk_[A-Za-z0-9+/]{43}="), "32 bytes");
        assertTrue(a.signingKey().pairsWith(a.publicKey()));
        assertFalse(a.signingKey().pairsWith(b.publicKey()));
        assertEquals("WebhookSigningKey[redacted]", a.signingKey().toString());
        assertEquals(a.publicKey(), WebhookPublicKey.parse(a.publicKey().text()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"whsk_c2VjcmV0LXNlZWQtdGhhdC1pcy10b28tc2hvcnQ=", "whsk_not*base64*at*all*but*secret*text0000000",
            "sk_VEVTVFNJR05JTkdLRVlET05PVFVTRVRISVNGT1JBTlk=", ""})
    void aMalformedSigningKeyIsRefusedWithoutRepeatingIt(String text) {
        var e = assertThrows(IllegalArgumentException.class, () -> WebhookSigningKey.parse(text));

        assertTrue(e.getMessage().startsWith("a signing key must be whsk_ and 32 bytes in standard base64"),
                e.getMessage());
        assertFalse(!text.isEmpty() && e.getMessage().contains(text.substring(5)), e.getMessage());
    }

    @Test
    void aMalformedPublicKeyIsRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> WebhookPublicKey.parse(VECTOR_KEY));
        assertEquals("a public key must be whpk_ and 32 bytes in standard base64 (49 characters); it does not "
                + "start with whpk_", e.getMessage());
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] all = new byte[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
