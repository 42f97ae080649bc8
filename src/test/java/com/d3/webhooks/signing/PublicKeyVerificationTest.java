package com.d3.webhooks.signing;

import static com.d3.webhooks.signing.Ed25519SigningTest.VECTOR_MSG_ID;
import static com.d3.webhooks.signing.Ed25519SigningTest.VECTOR_PAYLOAD;
import static com.d3.webhooks.signing.Ed25519SigningTest.VECTOR_PUBLIC_KEY;
import static com.d3.webhooks.signing.Ed25519SigningTest.VECTOR_SIGNATURE;
import static com.d3.webhooks.signing.Ed25519SigningTest.VECTOR_TIMESTAMP;
import static com.d3.webhooks.signing.VerificationResult.Failure.BAD_SIGNATURE;
import static com.d3.webhooks.signing.VerificationResult.Failure.MALFORMED_HEADER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link SignatureVerifier} with Ed25519 public keys: v1a entries, alone or beside v1 ones. */
class PublicKeyVerificationTest {

    private static final Clock AT_VECTOR = Clock.fixed(Instant.ofEpochSecond(VECTOR_TIMESTAMP), ZoneOffset.UTC);
    private static final byte[] BODY = "{\"n\":1}".getBytes(StandardCharsets.UTF_8);

    private final WebhookSigningKey.Pair pair = WebhookSigningKey.generate();
    private final WebhookSigningKey.Pair other = WebhookSigningKey.generate();
    private final WebhookSecret secret = WebhookSecret.generate();

    @Test
    void verifiesTheReferenceTestVectorWithItsPublicKey() {
        var headers = Map.of("webhook-id", VECTOR_MSG_ID, "webhook-timestamp", Long.toString(VECTOR_TIMESTAMP),
                "webhook-signature", VECTOR_SIGNATURE);

        var result = byPublicKeys(WebhookPublicKey.parse(VECTOR_PUBLIC_KEY)).verify(headers, VECTOR_PAYLOAD);

        assertTrue(result.isValid(), result.message());
        assertEquals(Set.of(SignatureScheme.STANDARD_WEBHOOKS), result.verified());
    }

    @Test
    void aBothHeaderVerifiesWithThePublicKeyAloneThoughTheHmacCannotBeChecked() {
        var headers = signed(List.of(secret), List.of(pair.signingKey()), BODY);

        var result = byPublicKeys(pair.publicKey()).verify(headers, BODY);

        assertTrue(result.isValid(), result.message());
        assertEquals(Set.of(SignatureScheme.STANDARD_WEBHOOKS), result.verified(), "X-D3-Signature is not checked");
        assertTrue(new SignatureVerifier(List.of(secret), List.of(pair.publicKey()), AT_VECTOR)
                .requiring(SignatureScheme.values()).verify(headers, BODY).isValid(), "with both keys, both headers");
    }

    @Test
    void aChangedBodyOrAnotherKeyIsABadSignatureNamingThePublicKeys() {
        var headers = signed(List.of(), List.of(pair.signingKey()), BODY);

        var tampered = byPublicKeys(pair.publicKey()).verify(headers, "{\"n\":2}".getBytes(StandardCharsets.UTF_8));
        var wrongKey = byPublicKeys(other.publicKey()).verify(headers, BODY);

        assertEquals(BAD_SIGNATURE, tampered.failure());
        assertEquals("bad signature in webhook-signature: it matches this body under none of the 1 configured "
                + "public key(s)", tampered.message());
        assertEquals(BAD_SIGNATURE, wrongKey.failure());
    }

    @Test
    void duringARotationEitherPublicKeyVerifies() {
        var headers = signed(List.of(), List.of(other.signingKey(), pair.signingKey()), BODY);

        assertTrue(byPublicKeys(pair.publicKey()).verify(headers, BODY).isValid());
        assertTrue(byPublicKeys(other.publicKey()).verify(headers, BODY).isValid());
        assertFalse(byPublicKeys(WebhookSigningKey.generate().publicKey()).verify(headers, BODY).isValid());
    }

    @Test
    void withPublicKeysOnlyV1EntriesAreNotEntriesItCanCheck() {
        var headers = signed(List.of(secret), List.of(), BODY);

        var result = byPublicKeys(pair.publicKey()).verify(headers, BODY);

        assertEquals(MALFORMED_HEADER, result.failure());
        assertEquals("malformed header webhook-signature: no v1a,<base64> entry", result.message());
    }

    @Test
    void aV1aEntryThatIsNoBase64OrTooShortIsABadSignature() {
        for (String entry : List.of("v1a,not*base64", "v1a,", "v1a,AAAA")) {
            var headers = signed(List.of(), List.of(pair.signingKey()), BODY);
            headers.put("webhook-signature", entry);

            assertEquals(BAD_SIGNATURE, byPublicKeys(pair.publicKey()).verify(headers, BODY).failure(), entry);
        }
    }

    @Test
    void withSecretsAndPublicKeysAnEntryOfEitherVersionSuffices() {
        var hmacOnly = signed(List.of(secret), List.of(), BODY);
        var ed25519Only = signed(List.of(), List.of(pair.signingKey()), BODY);
        SignatureVerifier both = new SignatureVerifier(List.of(secret), List.of(pair.publicKey()), AT_VECTOR);

        assertTrue(both.verify(hmacOnly, BODY).isValid());
        assertTrue(both.verify(ed25519Only, BODY).isValid());
        ed25519Only.put("webhook-signature", "v1,AAAA v1a,AAAA");
        assertEquals("bad signature in webhook-signature: it matches this body under none of the 1 configured "
                + "secret(s) and 1 configured public key(s)", both.verify(ed25519Only, BODY).message());
    }

    @Test
    void theD3SignatureCannotBeRequiredWithoutASecret() {
        SignatureVerifier v = byPublicKeys(pair.publicKey());
        assertThrows(IllegalArgumentException.class, () -> v.requiring(SignatureScheme.D3_SIGNATURE));
        assertThrows(IllegalArgumentException.class, () -> new SignatureVerifier(List.of(), List.of(), AT_VECTOR));
    }

    private static SignatureVerifier byPublicKeys(WebhookPublicKey... keys) {
        return new SignatureVerifier(List.of(), List.of(keys), AT_VECTOR);
    }

    private static Map<String, String> signed(List<WebhookSecret> secrets, List<WebhookSigningKey> keys, byte[] body) {
        return new HashMap<>(WebhookSigner.sign(secrets, keys, VECTOR_MSG_ID, VECTOR_TIMESTAMP, body).asMap());
    }
}
