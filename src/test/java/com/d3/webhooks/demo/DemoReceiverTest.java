package com.d3.webhooks.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.signing.SignatureHeaders;
import com.d3.webhooks.signing.WebhookSecret;
import com.d3.webhooks.signing.WebhookSigner;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The demo receiver over real HTTP: both signatures required, 401 with the reason, one 503 on request. */
class DemoReceiverTest {

    private final WebhookSecret secret = WebhookSecret.generate();
    private final DemoReceiver receiver = new DemoReceiver("/webhooks/demo_test", secret, Clock.systemUTC());
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void close() {
        receiver.close();
    }

    @Test
    void acceptsARequestSignedBothWaysAndCountsItAsVerified() throws Exception {
        UUID eventId = UUID.randomUUID();
        HttpResponse<String> response = post(receiver.url(), eventId, signed(secret, eventId), 7, 1);

        assertEquals(200, response.statusCode());
        DemoReceiver.Check check = receiver.check(7, 1).orElseThrow();
        assertTrue(check.verified());
        assertEquals("fileTask.completed", check.eventType());
        assertEquals(Map.of("fileTask.completed", 1), receiver.verifiedByEventType());
    }

    @Test
    void answers401WithTheReasonForAnotherSecret() throws Exception {
        UUID eventId = UUID.randomUUID();
        HttpResponse<String> response = post(receiver.url(), eventId, signed(WebhookSecret.generate(), eventId), 7, 1);

        assertEquals(401, response.statusCode());
        assertTrue(response.body().startsWith("bad signature in "), response.body());
        assertFalse(receiver.check(7, 1).orElseThrow().verified());
        assertEquals(Map.of(), receiver.verifiedByEventType());
    }

    @Test
    void answers401WhenOneOfTheTwoSignaturesIsMissing() throws Exception {
        UUID eventId = UUID.randomUUID();
        Map<String, String> onlyStandard = new java.util.HashMap<>(signed(secret, eventId));
        onlyStandard.remove(SignatureHeaders.D3_SIGNATURE);

        HttpResponse<String> response = post(receiver.url(), eventId, onlyStandard, 8, 1);

        assertEquals(401, response.statusCode());
        assertEquals("missing header X-D3-Signature", response.body());
    }

    @Test
    void turnsTheChosenEventAwayOnceThenAcceptsIt() throws Exception {
        UUID eventId = UUID.randomUUID();
        receiver.rejectOnce(eventId);

        assertEquals(503, post(receiver.url(), eventId, signed(secret, eventId), 9, 1).statusCode());
        assertEquals(200, post(receiver.url(), eventId, signed(secret, eventId), 9, 2).statusCode());
        assertTrue(receiver.check(9, 1).orElseThrow().verified());
        assertEquals(503, receiver.check(9, 1).orElseThrow().status());
        assertEquals(Map.of("fileTask.completed", 2), receiver.verifiedByEventType());
    }

    @Test
    void answers404ElsewhereAndDoesNotCountIt() throws Exception {
        UUID eventId = UUID.randomUUID();
        String other = receiver.url().replace("/webhooks/demo_test", "/webhooks/demo_old");

        assertEquals(404, post(other, eventId, signed(secret, eventId), 10, 1).statusCode());
        assertTrue(receiver.check(10, 1).isEmpty());
    }

    private static byte[] body(UUID eventId) {
        return ("{\"id\":\"" + eventId + "\",\"type\":\"fileTask.completed\",\"data\":{}}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static Map<String, String> signed(WebhookSecret with, UUID eventId) {
        return WebhookSigner.sign(List.of(with), eventId.toString(), Clock.systemUTC().instant().getEpochSecond(),
                body(eventId)).asMap();
    }

    private HttpResponse<String> post(String url, UUID eventId, Map<String, String> headers, long delivery,
                                      int attempt) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body(eventId)))
                .header("X-D3-Delivery", Long.toString(delivery))
                .header("X-D3-Attempt", Integer.toString(attempt));
        headers.forEach(request::header);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
