package com.d3.webhooks.signing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WebhookSignerTest {

    /**
     * The Standard Webhooks published test vector: standard-webhooks/standard-webhooks,
     * libraries/python/tests/test_webhooks.py (test_sign_function), the same values in
     * libraries/javascript/src/webhook.test.ts ("sign function works").
     */
    static final String SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    static final String SPEC_MSG_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    static final long SPEC_TIMESTAMP = 1614265330;
    static final byte[] SPEC_PAYLOAD = "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8);
    static final String SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    /** printf '%s' '{"test": 2432232314}' | openssl dgst -sha256 -hmac 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' */
    static final String SPEC_PAYLOAD_D3 = "sha256=80ec8a89ce3cd22133a1066caecb4d04fea7467657c8514d717ec42c38a5c94c";

    static final String RAW_SECRET = "shhh-raw-secret";
    static final byte[] RAW_BODY =
            "{\"event\":\"fileTask.completed\",\"id\":\"evt_1\"}".getBytes(StandardCharsets.UTF_8);
    /** printf '%s' '{"event":"fileTask.completed","id":"evt_1"}' | openssl dgst -sha256 -hmac 'shhh-raw-secret' */
    static final String RAW_BODY_D3 = "sha256=ca000c2f0506e05ca35224cef1ee47b44e4190862be25f0f8d7a49edf8f6d1b3";
    /**
     * printf '%s' 'evt_1.1700000000.{"event":"fileTask.completed","id":"evt_1"}' \
     *   | openssl dgst -sha256 -hmac 'shhh-raw-secret' -binary | base64
     */
    static final String RAW_BODY_STANDARD = "v1,FlvwRUd9ogjRMirVyZaHw56kBsPtQFmE9E/eWbx6sww=";

    @Test
    void matchesTheStandardWebhooksTestVector() {
        var headers = WebhookSigner.sign(List.of(WebhookSecret.parse(SPEC_SECRET)), SPEC_MSG_ID, SPEC_TIMESTAMP,
                SPEC_PAYLOAD);

        assertEquals(SPEC_SIGNATURE, headers.webhookSignature());
        assertEquals(SPEC_MSG_ID, headers.webhookId());
        assertEquals(SPEC_TIMESTAMP, headers.timestampSeconds());
    }

    @Test
    void d3SignatureMatchesOpensslWithTheWholeSecretTextAsKey() {
        var headers = WebhookSigner.sign(List.of(WebhookSecret.parse(SPEC_SECRET)), SPEC_MSG_ID, SPEC_TIMESTAMP,
                SPEC_PAYLOAD);

        assertEquals(SPEC_PAYLOAD_D3, headers.d3Signature());
    }

    @Test
    void rawSecretSignsBothSchemesWithItsUtf8Bytes() {
        var headers = WebhookSigner.sign(List.of(WebhookSecret.parse(RAW_SECRET)), "evt_1", 1_700_000_000L, RAW_BODY);

        assertEquals(RAW_BODY_D3, headers.d3Signature());
        assertEquals(RAW_BODY_STANDARD, headers.webhookSignature());
    }

    @Test
    void severalSecretsSignStandardWebhooksNewestFirstAndD3WithTheNewestOnly() {
        var newest = WebhookSecret.parse(RAW_SECRET);
        var older = WebhookSecret.parse(SPEC_SECRET);

        var headers = WebhookSigner.sign(List.of(newest, older), "evt_1", 1_700_000_000L, RAW_BODY);

        String olderEntry = WebhookSigner.sign(List.of(older), "evt_1", 1_700_000_000L, RAW_BODY).webhookSignature();
        assertEquals(RAW_BODY_STANDARD + " " + olderEntry, headers.webhookSignature());
        assertEquals(RAW_BODY_D3, headers.d3Signature());
    }

    @Test
    void signedHeadersInSendingOrder() {
        var headers = WebhookSigner.sign(List.of(WebhookSecret.parse(RAW_SECRET)), "evt_1", 1_700_000_000L, RAW_BODY);

        assertEquals(List.of("webhook-id", "webhook-timestamp", "webhook-signature", "X-D3-Signature",
                "X-D3-Timestamp"), List.copyOf(headers.asMap().keySet()));
        assertEquals("1700000000", headers.asMap().get("X-D3-Timestamp"));
    }

    @Test
    void withoutSecretsOnlyIdAndTimestampAreSent() {
        var headers = WebhookSigner.sign(List.of(), "evt_1", 1_700_000_000L, RAW_BODY);

        assertNull(headers.webhookSignature());
        assertNull(headers.d3Signature());
        assertEquals(Map.of("webhook-id", "evt_1", "webhook-timestamp", "1700000000"), headers.asMap());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "evt.1"})
    void webhookIdMustBeNonBlankWithoutDots(String id) {
        var secrets = List.of(WebhookSecret.parse(RAW_SECRET));
        var e = assertThrows(IllegalArgumentException.class,
                () -> WebhookSigner.sign(secrets, id, 1_700_000_000L, RAW_BODY));
        assertEquals("webhook id must be non-blank and contain no '.' (got '" + id + "')", e.getMessage());
    }

    @Test
    void signingIsRepeatableOnOneThreadAndAcrossThreads() throws Exception {
        var secrets = List.of(WebhookSecret.parse(SPEC_SECRET));
        for (int i = 0; i < 3; i++) {
            assertEquals(SPEC_SIGNATURE, WebhookSigner.sign(secrets, SPEC_MSG_ID, SPEC_TIMESTAMP, SPEC_PAYLOAD)
                    .webhookSignature());
        }
        String[] fromOtherThread = new String[1];
        Thread other = new Thread(() -> fromOtherThread[0] =
                WebhookSigner.sign(secrets, SPEC_MSG_ID, SPEC_TIMESTAMP, SPEC_PAYLOAD).webhookSignature());
        other.start();
        other.join();
        assertEquals(SPEC_SIGNATURE, fromOtherThread[0]);
    }
}
