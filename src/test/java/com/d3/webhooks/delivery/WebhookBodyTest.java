package com.d3.webhooks.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class WebhookBodyTest {

    private static final UUID ID = UUID.fromString("0c4f4d1e-6a0e-4f4c-9a43-7b1f0e1c5d2a");

    @Test
    void thePayloadTextGoesOutAsStoredAndTheOtherFieldsAreEscaped() {
        byte[] body = WebhookBody.of(ID, "operation.completed", OffsetDateTime.parse("2026-11-27T11:15:30.123456+01:00"),
                "acct \"42\"\\\u0001 é", "{\"name\": \"Zoë ✓ 😀\", \"n\": [1, 2]}");

        assertEquals("{\"id\":\"0c4f4d1e-6a0e-4f4c-9a43-7b1f0e1c5d2a\",\"type\":\"operation.completed\","
                        + "\"timestamp\":\"2026-11-27T10:15:30.123456Z\",\"account_id\":\"acct \\\"42\\\"\\\\\\u0001 é\","
                        + "\"data\":{\"name\": \"Zoë ✓ 😀\", \"n\": [1, 2]}}",
                new String(body, StandardCharsets.UTF_8));
    }

    @Test
    void anAsciiBodyIsOneByteACharacter() {
        byte[] body = WebhookBody.of(ID, "fileTask.failed", OffsetDateTime.parse("2026-01-01T00:00:00Z"), "a", "{}");

        String expected = "{\"id\":\"0c4f4d1e-6a0e-4f4c-9a43-7b1f0e1c5d2a\",\"type\":\"fileTask.failed\","
                + "\"timestamp\":\"2026-01-01T00:00:00Z\",\"account_id\":\"a\",\"data\":{}}";
        assertEquals(expected.length(), body.length);
        assertEquals(expected, new String(body, StandardCharsets.US_ASCII));
    }
}
