package com.d3.webhooks.signing;

import static com.d3.webhooks.signing.SignatureScheme.D3_SIGNATURE;
import static com.d3.webhooks.signing.SignatureScheme.STANDARD_WEBHOOKS;
import static com.d3.webhooks.signing.VerificationResult.Failure.BAD_SIGNATURE;
import static com.d3.webhooks.signing.VerificationResult.Failure.MALFORMED_HEADER;
import static com.d3.webhooks.signing.VerificationResult.Failure.MISSING_HEADER;
import static com.d3.webhooks.signing.VerificationResult.Failure.TIMESTAMP_OUT_OF_TOLERANCE;
import static com.d3.webhooks.signing.WebhookSignerTest.RAW_BODY;
import static com.d3.webhooks.signing.WebhookSignerTest.RAW_BODY_D3;
import static com.d3.webhooks.signing.WebhookSignerTest.RAW_BODY_STANDARD;
import static com.d3.webhooks.signing.WebhookSignerTest.RAW_SECRET;
import static com.d3.webhooks.signing.WebhookSignerTest.SPEC_MSG_ID;
import static com.d3.webhooks.signing.WebhookSignerTest.SPEC_PAYLOAD;
import static com.d3.webhooks.signing.WebhookSignerTest.SPEC_SECRET;
import static com.d3.webhooks.signing.WebhookSignerTest.SPEC_SIGNATURE;
import static com.d3.webhooks.signing.WebhookSignerTest.SPEC_TIMESTAMP;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SignatureVerifierTest {

    private static final WebhookSecret SECRET = WebhookSecret.parse(SPEC_SECRET);
    private static final WebhookSecret OTHER_SECRET = WebhookSecret.parse("whsec_" + "A".repeat(32));

    @Test
    void verifiesTheStandardWebhooksTestVector() {
        var headers = Map.of("webhook-id", SPEC_MSG_ID, "webhook-timestamp", Long.toString(SPEC_TIMESTAMP),
                "webhook-signature", SPEC_SIGNATURE);

        var result = verifierAt(SPEC_TIMESTAMP, SECRET).verify(headers, SPEC_PAYLOAD);

        assertTrue(result.isValid(), result.message());
        assertEquals(Set.of(STANDARD_WEBHOOKS), result.verified());
    }

    @Test
    void whatTheSignerSendsVerifiesUnderBothSchemes() {
        var result = verifierAt(SPEC_TIMESTAMP, SECRET).requiring(SignatureScheme.values())
                .verify(signed(List.of(SECRET), SPEC_PAYLOAD), SPEC_PAYLOAD);

        assertTrue(result.isValid(), result.message());
        assertEquals(Set.of(STANDARD_WEBHOOKS, D3_SIGNATURE), result.verified());
        assertEquals("valid: webhook-signature and X-D3-Signature verified", result.message());
    }

    @Test
    void rawSecretVerifiesTheOpensslComputedSignatures() {
        var headers = Map.of("webhook-id", "evt_1", "webhook-timestamp", "1700000000",
                "webhook-signature", RAW_BODY_STANDARD, "X-D3-Signature", RAW_BODY_D3);

        var result = verifierAt(1_700_000_000L, WebhookSecret.parse(RAW_SECRET)).verify(headers, RAW_BODY);

        assertTrue(result.isValid(), result.message());
    }

    /**
     * X-D3-Signature signs the body only: a captured request verifies again at any time. The
     * default demands the timestamped Standard Webhooks signature, so such a replay is refused.
     */
    @Test
    void aReplayedRequestWithOnlyTheBodySignatureIsRefusedByDefault() {
        var headers = signed(List.of(SECRET), SPEC_PAYLOAD);
        headers.remove("webhook-signature");
        headers.remove("X-D3-Timestamp");

        var result = verifierAt(SPEC_TIMESTAMP + 86_400 * 30, SECRET).verify(headers, SPEC_PAYLOAD);

        assertRejected(result, MISSING_HEADER, "missing header webhook-signature: X-D3-Signature alone signs no "
                + "timestamp, so a captured request would verify again at any time");
        assertTrue(verifierAt(SPEC_TIMESTAMP + 86_400 * 30, SECRET).acceptingBodyOnlySignature()
                .verify(headers, SPEC_PAYLOAD).isValid(), "accepted only when asked for");
    }

    @Test
    void tamperedBodyIsABadSignature() {
        var headers = signed(List.of(SECRET), SPEC_PAYLOAD);
        byte[] tampered = "{\"test\": 2432232315}".getBytes(StandardCharsets.UTF_8);

        var result = verifierAt(SPEC_TIMESTAMP, SECRET).verify(headers, tampered);

        assertRejected(result, BAD_SIGNATURE, "bad signature in webhook-signature: it matches this body "
                + "under none of the 1 configured secret(s)");
    }

    @Test
    void tamperedBodyIsABadD3SignatureWhenThatIsTheOnlyScheme() {
        var headers = signed(List.of(SECRET), SPEC_PAYLOAD);
        headers.remove("webhook-signature");

        var result = verifierAt(SPEC_TIMESTAMP, SECRET).acceptingBodyOnlySignature()
                .verify(headers, "{}".getBytes(StandardCharsets.UTF_8));

        assertRejected(result, BAD_SIGNATURE, "bad signature in X-D3-Signature: it matches this body "
                + "under none of the 1 configured secret(s)");
    }

    @Test
    void wrongSecretIsABadSignature() {
        var result = verifierAt(SPEC_TIMESTAMP, OTHER_SECRET).verify(signed(List.of(SECRET), SPEC_PAYLOAD),
                SPEC_PAYLOAD);

        assertEquals(BAD_SIGNATURE, result.failure());
    }

    @Test
    void everySchemePresentMustVerify() {
        var headers = signed(List.of(SECRET), SPEC_PAYLOAD);
        headers.put("X-D3-Signature", "sha256=" + "0".repeat(64));

        var result = verifierAt(SPEC_TIMESTAMP, SECRET).verify(headers, SPEC_PAYLOAD);

        assertRejected(result, BAD_SIGNATURE, "bad signature in X-D3-Signature: it matches this body "
                + "under none of the 1 configured secret(s)");
    }

    @Test
    void anyConfiguredSecretMayMatchDuringRotation() {
        var headers = signed(List.of(SECRET), SPEC_PAYLOAD);

        var result = verifierAt(SPEC_TIMESTAMP, OTHER_SECRET, SECRET).verify(headers, SPEC_PAYLOAD);

        assertTrue(result.isValid(), result.message());
    }

    @Test
    void anyV1EntryMayMatchAndOtherVersionsAreIgnored() {
        var headers = signed(List.of(SECRET), SPEC_PAYLOAD);
        String wrong = WebhookSigner.sign(List.of(OTHER_SECRET), SPEC_MSG_ID, SPEC_TIMESTAMP, SPEC_PAYLOAD)
                .webhookSignature();
        String right = headers.get("webhook-signature");
        String sameBytesOtherVersion = right.replace("v1,", "v1a,");
        headers.put("webhook-signature", sameBytesOtherVersion + "  " + wrong + " " + right);

        var result = verifierAt(SPEC_TIMESTAMP, SECRET).verify(headers, SPEC_PAYLOAD);

        assertTrue(result.isValid(), result.message());
    }

    @Test
    void signatureOfAnotherVersionAloneDoesNotVerify() {
        var headers = signed(List.of(SECRET), SPEC_PAYLOAD);
        headers.put("webhook-signature", headers.get("webhook-signature").replace("v1,", "v2,"));

        var result = verifierAt(SPEC_TIMESTAMP, SECRET).verify(headers, SPEC_PAYLOAD);

        assertRejected(result, MALFORMED_HEADER, "malformed header webhook-signature: no v1,<base64> entry");
    }

    @Test
    void timestampTooOldSaysByHowMuch() {
        var result = verifierAt(SPEC_TIMESTAMP + 301, SECRET).verify(signed(List.of(SECRET), SPEC_PAYLOAD),
                SPEC_PAYLOAD);

        assertRejected(result, TIMESTAMP_OUT_OF_TOLERANCE,
                "webhook-timestamp 1614265330 is 301 s in the past, 1 s beyond the 300 s tolerance");
    }

    @Test
    void timestampTooNewSaysByHowMuch() {
        var result = verifierAt(SPEC_TIMESTAMP - 400, SECRET).verify(signed(List.of(SECRET), SPEC_PAYLOAD),
                SPEC_PAYLOAD);

        assertRejected(result, TIMESTAMP_OUT_OF_TOLERANCE,
                "webhook-timestamp 1614265330 is 400 s in the future, 100 s beyond the 300 s tolerance");
    }

    @Test
    void timestampExactlyAtTheToleranceIsAccepted() {
        var headers = signed(List.of(SECRET), SPEC_PAYLOAD);

        assertTrue(verifierAt(SPEC_TIMESTAMP + 300, SECRET).verify(headers, SPEC_PAYLOAD).isValid());
        assertTrue(verifierAt(SPEC_TIMESTAMP - 300, SECRET).verify(headers, SPEC_PAYLOAD).isValid());
    }

    @Test
    void staleD3TimestampIsRefusedEvenWithoutStandardWebhooks() {
        var headers = signed(List.of(SECRET), SPEC_PAYLOAD);
        headers.remove("webhook-signature");

        var result = verifierAt(SPEC_TIMESTAMP + 3600, SECRET).acceptingBodyOnlySignature()
                .verify(headers, SPEC_PAYLOAD);

        assertRejected(result, TIMESTAMP_OUT_OF_TOLERANCE,
                "X-D3-Timestamp 1614265330 is 3600 s in the past, 3300 s beyond the 300 s tolerance");
    }

    @Test
    void d3SignatureWithoutTimestampIsNotTimeChecked() {
        var headers = Map.of("X-D3-Signature", RAW_BODY_D3);

        var result = verifierAt(0, WebhookSecret.parse(RAW_SECRET)).acceptingBodyOnlySignature()
                .verify(headers, RAW_BODY);

        assertTrue(result.isValid(), result.message());
        assertEquals(Set.of(D3_SIGNATURE), result.verified());
    }

    @ParameterizedTest
    @ValueSource(strings = {"webhook-id", "webhook-timestamp"})
    void missingStandardWebhooksHeaderIsNamed(String header) {
        var headers = signed(List.of(SECRET), SPEC_PAYLOAD);
        headers.remove(header);

        var result = verifierAt(SPEC_TIMESTAMP, SECRET).verify(headers, SPEC_PAYLOAD);

        assertRejected(result, MISSING_HEADER, "missing header " + header);
    }

    @Test
    void withoutAnySignatureHeaderTheRequestIsInvalid() {
        var headers = Map.of("webhook-id", SPEC_MSG_ID, "webhook-timestamp", Long.toString(SPEC_TIMESTAMP));

        var result = verifierAt(SPEC_TIMESTAMP, SECRET).verify(headers, SPEC_PAYLOAD);

        assertRejected(result, MISSING_HEADER,
                "missing header: neither webhook-signature nor X-D3-Signature is present");
    }

    @Test
    void theStandardWebhooksSignatureSufficesUnlessBothAreRequired() {
        var headers = signed(List.of(SECRET), SPEC_PAYLOAD);
        headers.remove("X-D3-Signature");
        var verifier = verifierAt(SPEC_TIMESTAMP, SECRET);

        assertTrue(verifier.verify(headers, SPEC_PAYLOAD).isValid());
        assertRejected(verifier.requiring(STANDARD_WEBHOOKS, D3_SIGNATURE).verify(headers, SPEC_PAYLOAD),
                MISSING_HEADER, "missing header X-D3-Signature");
        assertRejected(verifier.acceptingBodyOnlySignature().requiring(D3_SIGNATURE).verify(headers, SPEC_PAYLOAD),
                MISSING_HEADER, "missing header X-D3-Signature");
    }

    @ParameterizedTest
    @ValueSource(strings = {"hello", "-5", "+1614265330", "1614265330.5", "", "9999999999999999999"})
    void nonNumericTimestampIsMalformed(String timestamp) {
        var headers = signed(List.of(SECRET), SPEC_PAYLOAD);
        headers.put("webhook-timestamp", timestamp);

        var result = verifierAt(SPEC_TIMESTAMP, SECRET).verify(headers, SPEC_PAYLOAD);

        assertRejected(result, MALFORMED_HEADER,
                "malformed header webhook-timestamp: '" + timestamp + "' is not a unix time in seconds");
    }

    @Test
    void d3SignatureWithoutSha256PrefixIsMalformed() {
        var headers = signed(List.of(SECRET), SPEC_PAYLOAD);
        headers.put("X-D3-Signature", headers.get("X-D3-Signature").substring("sha256=".length()));

        var result = verifierAt(SPEC_TIMESTAMP, SECRET).verify(headers, SPEC_PAYLOAD);

        assertRejected(result, MALFORMED_HEADER,
                "malformed header X-D3-Signature: expected sha256=<64 lowercase hex digits>");
    }

    @Test
    void headerNamesMatchWhateverTheirCase() {
        var headers = new HashMap<String, String>();
        signed(List.of(SECRET), SPEC_PAYLOAD).forEach((name, value) -> headers.put(name.toUpperCase(), value));

        var result = verifierAt(SPEC_TIMESTAMP, SECRET).requiring(SignatureScheme.values())
                .verify(headers, SPEC_PAYLOAD);

        assertTrue(result.isValid(), result.message());
    }

    @Test
    void aVerifierNeedsASecret() {
        var clock = Clock.systemUTC();
        var secrets = List.<WebhookSecret>of();
        assertThrows(IllegalArgumentException.class, () -> new SignatureVerifier(secrets, clock));
    }

    private static SignatureVerifier verifierAt(long epochSecond, WebhookSecret... secrets) {
        return new SignatureVerifier(List.of(secrets), Clock.fixed(Instant.ofEpochSecond(epochSecond), ZoneOffset.UTC));
    }

    private static Map<String, String> signed(List<WebhookSecret> secrets, byte[] body) {
        return new HashMap<>(WebhookSigner.sign(secrets, SPEC_MSG_ID, SPEC_TIMESTAMP, body).asMap());
    }

    private static void assertRejected(VerificationResult result, VerificationResult.Failure failure, String message) {
        assertFalse(result.isValid());
        assertEquals(failure, result.failure());
        assertEquals(message, result.message());
        assertEquals(Set.of(), result.verified());
    }
}
