package com.d3.webhooks.delivery;

import com.d3.webhooks.audit.AuditEntry;

/** Told about each recorded attempt after it is committed (the demo prints a line for each; metrics count). */
@FunctionalInterface
public interface DeliveryListener {

    DeliveryListener NONE = (entry, settledAs) -> { };

    /** {@code settledAs}: the delivery state the attempt led to (succeeded, pending for a retry, failed), or "taken over" when the fence matched no row. */
    void recorded(AuditEntry entry, String settledAs);

    /** A claim statement ran and leased this many deliveries: 0 when none was due (a poll that found nothing). */
    default void claimed(int deliveries) {
    }

    /** This many deliveries were taken back from workers whose lease expired. */
    default void rescued(int deliveries) {
    }

    /** This many claimed deliveries were given back unsent; {@code reason}: "breaker", "rate_limit",
     * or "endpoint_busy" (this worker's per-endpoint cap, and the endpoint was not keeping up). */
    default void heldBack(String reason, int deliveries) {
    }

    /** An endpoint's circuit breaker opened (or a probe failed and it opened again). */
    default void breakerOpened(long endpointId) {
    }

    /** An outbox row's traceparent was not W3C: ignored, the event goes out without it. */
    default void traceContextMalformed() {
    }
}
