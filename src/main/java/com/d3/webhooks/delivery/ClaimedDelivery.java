package com.d3.webhooks.delivery;

import com.d3.webhooks.endpoints.EndpointHeader;
import com.d3.webhooks.network.EndpointUrl;
import com.d3.webhooks.oauth.ClientCredentials;
import com.d3.webhooks.secrets.SecretColumn;
import com.d3.webhooks.signing.WebhookSecret;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.function.BiFunction;
import java.util.UUID;

/**
 * A delivery leased to this worker, with what sending it needs. {@code attempt} is the number
 * of the attempt about to be made (already counted at claim); together with the worker id it
 * fences every later write. {@code orderingKey} is set only when the delivery is ordered (its
 * endpoint was ordered when the event was routed).
 *
 * @param secret                   the endpoint's current secret, null for unsigned requests
 * @param previousSecret           the secret before the last rotation, null when none
 * @param previousSecretExpiresAt  until when {@code previousSecret} still signs
 * @param endpointMaxInFlight      the endpoint's own cap on requests in flight per worker; null
 *                                 when the worker's --max-in-flight-per-endpoint applies
 * @param endpointSharedLimits     when claimed, the endpoint had a rate limit or a breaker not
 *                                 closed: its admission must ask the database
 * @param headers                  the endpoint's static headers as stored (values sealed or plain
 *                                 text), in the order they were added
 * @param clientCertificate        the PEM chain the endpoint's receiver is shown when it asks for a
 *                                 client certificate; null when none
 * @param clientKey                that certificate's private key as stored (sealed or plain PEM)
 * @param signing                  the endpoint's signing mode and Ed25519 key pairs as stored
 * @param oauth2                   the endpoint's OAuth2 client credentials as stored (the secret
 *                                 sealed or plain text); null when its requests carry no token
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
        String secret,
        String previousSecret,
        OffsetDateTime previousSecretExpiresAt,
        boolean endpointEnabled,
        Integer endpointMaxInFlight,
        boolean endpointSharedLimits,
        List<EndpointHeader> headers,
        String clientCertificate,
        String clientKey,
        StoredSigning signing,
        ClientCredentials oauth2,
        String traceparent,
        String tracestate) {

    /** A delivery of an event that carries no trace context. */
    public ClaimedDelivery(long deliveryId, long outboxId, String orderingKey, int attempt, int retryBase,
                           UUID eventId, String eventType, String accountId, OffsetDateTime occurredAt,
                           String payloadJson, long endpointId, String url, String secret, String previousSecret,
                           OffsetDateTime previousSecretExpiresAt, boolean endpointEnabled, Integer endpointMaxInFlight,
                           boolean endpointSharedLimits, List<EndpointHeader> headers, String clientCertificate,
                           String clientKey, StoredSigning signing, ClientCredentials oauth2) {
        this(deliveryId, outboxId, orderingKey, attempt, retryBase, eventId, eventType, accountId, occurredAt,
                payloadJson, endpointId, url, secret, previousSecret, previousSecretExpiresAt, endpointEnabled,
                endpointMaxInFlight, endpointSharedLimits, headers, clientCertificate, clientKey, signing, oauth2,
                null, null);
    }

    /** A delivery whose endpoint follows the worker's in-flight cap and has no static headers or OAuth2 (tests). */
    public ClaimedDelivery(long deliveryId, long outboxId, String orderingKey, int attempt, int retryBase,
                           UUID eventId, String eventType, String accountId, OffsetDateTime occurredAt,
                           String payloadJson, long endpointId, String url, String secret, String previousSecret,
                           OffsetDateTime previousSecretExpiresAt, boolean endpointEnabled) {
        this(deliveryId, outboxId, orderingKey, attempt, retryBase, eventId, eventType, accountId, occurredAt,
                payloadJson, endpointId, url, secret, previousSecret, previousSecretExpiresAt, endpointEnabled, null,
                false, List.of(), null, null, StoredSigning.HMAC_ONLY, null);
    }

    /** The most requests in flight to this delivery's endpoint: its own cap, else {@code workerDefault}. */
    public int maxInFlight(int workerDefault) {
        return endpointMaxInFlight == null ? workerDefault : endpointMaxInFlight;
    }

    /** The attempt's number within the current retry budget (1 for the first after a replay). */
    public int attemptInBudget() {
        return attempt - retryBase;
    }

    /**
     * The secrets that sign an attempt made at {@code at}, newest first: the current one, and
     * during a rotation's overlap window the previous one. Empty when the endpoint has none, or
     * signs with Ed25519 alone.
     * {@code secretOf} turns a stored secret (sealed or not) of this endpoint's column into a
     * usable one.
     *
     * @throws IllegalArgumentException when a stored secret cannot be used
     */
    public List<WebhookSecret> activeSecrets(Instant at, BiFunction<SecretColumn, String, WebhookSecret> secretOf) {
        if (secret == null || !signing.mode().usesHmac()) {
            return List.of();
        }
        WebhookSecret current = secretOf.apply(SecretColumn.SECRET, secret);
        if (previousSecret == null || previousSecretExpiresAt == null
                || !previousSecretExpiresAt.toInstant().isAfter(at)) {
            return List.of(current);
        }
        return List.of(current, secretOf.apply(SecretColumn.PREVIOUS_SECRET, previousSecret));
    }

    /** For log lines: the URL without its query, fragment or user-info, which may carry credentials. */
    @Override
    public String toString() {
        return "delivery " + deliveryId + " (event " + eventId + ", " + eventType + ", attempt " + attempt
                + ") to endpoint " + endpointId + " " + EndpointUrl.redact(url);
    }
}
