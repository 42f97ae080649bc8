package com.d3.webhooks.delivery;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
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
        StringBuilder b = new StringBuilder(payloadJson.length() + 160);
        b.append("{\"id\":\"").append(eventId)
                .append("\",\"type\":\"").append(ENCODER.quoteAsString(eventType))
                .append("\",\"timestamp\":\"").append(DateTimeFormatter.ISO_INSTANT.format(occurredAt.toInstant()))
                .append("\",\"account_id\":\"").append(ENCODER.quoteAsString(accountId))
                .append("\",\"data\":").append(payloadJson)
                .append('}');
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    public static byte[] of(ClaimedDelivery d) {
        return of(d.eventId(), d.eventType(), d.occurredAt(), d.accountId(), d.payloadJson());
    }
}
