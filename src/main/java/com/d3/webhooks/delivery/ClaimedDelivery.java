package com.d3.webhooks.delivery;

import com.d3.webhooks.admission.EndpointAdmission;
import com.d3.webhooks.network.EndpointUrl;
import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * A delivery leased to this worker, with what sending it needs. {@code attempt} is the number
 * of the attempt about to be made (already counted at claim); together with the worker id it
 * fences every later write. {@code orderingKey} is set only when the delivery is ordered (its
 * endpoint was ordered when the event was routed).
 *
 * @param endpointMaxInFlight      the endpoint's own cap on requests in flight per worker; null
 *                                 when the worker's --max-in-flight-per-endpoint applies
 * @param endpointSharedLimits     when claimed, the endpoint had a rate limit or a breaker not
 *                                 closed: its admission must ask the database
 * @param credentials              the endpoint's secrets, static headers, client certificate,
 *                                 signing keys and OAuth2 client, as stored
 * @param traceparent              the event's W3C trace context as the outbox row has it, not yet
 *                                 checked; null when none
 * @param tracestate               the tracestate beside it, null when none
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
        boolean endpointEnabled,
        Integer endpointMaxInFlight,
        boolean endpointSharedLimits,
        EndpointCredentials credentials,
        String traceparent,
        String tracestate) implements EndpointAdmission.Candidate {

    /** A delivery of an event that carries no trace context. */
    public ClaimedDelivery(long deliveryId, long outboxId, String orderingKey, int attempt, int retryBase,
                           UUID eventId, String eventType, String accountId, OffsetDateTime occurredAt,
                           String payloadJson, long endpointId, String url, boolean endpointEnabled,
                           Integer endpointMaxInFlight, boolean endpointSharedLimits,
                           EndpointCredentials credentials) {
        this(deliveryId, outboxId, orderingKey, attempt, retryBase, eventId, eventType, accountId, occurredAt,
                payloadJson, endpointId, url, endpointEnabled, endpointMaxInFlight, endpointSharedLimits, credentials,
                null, null);
    }

    /** A delivery to an enabled endpoint that follows the worker's in-flight cap (tests). */
    public ClaimedDelivery(long deliveryId, long outboxId, String orderingKey, int attempt, int retryBase,
                           UUID eventId, String eventType, String accountId, OffsetDateTime occurredAt,
                           String payloadJson, long endpointId, String url, EndpointCredentials credentials) {
        this(deliveryId, outboxId, orderingKey, attempt, retryBase, eventId, eventType, accountId, occurredAt,
                payloadJson, endpointId, url, true, null, false, credentials);
    }

    /** The most requests in flight to this delivery's endpoint: its own cap, else {@code workerDefault}. */
    public int maxInFlight(int workerDefault) {
        return endpointMaxInFlight == null ? workerDefault : endpointMaxInFlight;
    }

    /** The attempt's number within the current retry budget (1 for the first after a replay). */
    public int attemptInBudget() {
        return attempt - retryBase;
    }

    /** For log lines: the URL without its query, fragment or user-info, which may carry credentials. */
    @Override
    public String toString() {
        return "delivery " + deliveryId + " (event " + eventId + ", " + eventType + ", attempt " + attempt
                + ") to endpoint " + endpointId + " " + EndpointUrl.redact(url);
    }
}
