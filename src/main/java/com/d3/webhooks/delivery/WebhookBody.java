package com.d3.webhooks.delivery;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.UUID;

/**
 * The request body: {"id", "type", "timestamp", "account_id", "data"}. Built from the outbox row
 * alone, so every attempt of a delivery sends the same bytes; the payload's JSON text is copied
 * as PostgreSQL returns it, never parsed and re-serialised.
 */
public final class WebhookBody {

    private static final JsonStringEncoder ENCODER = JsonStringEncoder.getInstance();

    private WebhookBody() {
    }

    public static byte[] of(UUID eventId, String eventType, OffsetDateTime occurredAt, String accountId,
                            String payloadJson) {
        // The payload is most of the body: encoded once, straight into place, rather than copied
        // into a builder, out of it, and encoded from that copy.
        byte[] head = ("{\"id\":\"" + eventId
                + "\",\"type\":\"" + new String(ENCODER.quoteAsString(eventType))
                + "\",\"timestamp\":\"" + DateTimeFormatter.ISO_INSTANT.format(occurredAt.toInstant())
                + "\",\"account_id\":\"" + new String(ENCODER.quoteAsString(accountId))
                + "\",\"data\":").getBytes(StandardCharsets.UTF_8);
        byte[] data = payloadJson.getBytes(StandardCharsets.UTF_8);
        byte[] body = Arrays.copyOf(head, head.length + data.length + 1);
        System.arraycopy(data, 0, body, head.length, data.length);
        body[body.length - 1] = '}';
        return body;
    }

    public static byte[] of(ClaimedDelivery d) {
        return of(d.eventId(), d.eventType(), d.occurredAt(), d.accountId(), d.payloadJson());
    }
}
