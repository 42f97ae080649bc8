package com.d3.webhooks.delivery;

import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * A delivery leased to this worker, with what sending it needs. {@code attempt} is the number
 * of the attempt about to be made (already counted at claim); together with the worker id it
 * fences every later write. {@code orderingKey} is set only when the delivery is ordered (its
 * endpoint was ordered when the event was routed).
 */
public record ClaimedDelivery(
        long deliveryId,
        long outboxId,
        String orderingKey,
        int attempt,
        int retryBase,
        UUID eventId,
        String eventType,
        String accountId,
        OffsetDateTime occurredAt,
        String payloadJson,
        long endpointId,
        String url,
        String secret,
        boolean endpointEnabled) {

    /** The attempt's number within the current retry budget (1 for the first after a replay). */
    public int attemptInBudget() {
        return attempt - retryBase;
    }

    @Override
    public String toString() {
        return "delivery " + deliveryId + " (event " + eventId + ", " + eventType + ", attempt " + attempt
                + ") to endpoint " + endpointId + " " + url;
    }
}
