package com.d3.webhooks.endpoints;

import com.d3.webhooks.clientcert.ClientCertificateStatus;
import com.d3.webhooks.oauth.OAuth2Summary;
import java.time.OffsetDateTime;
import java.util.List;

/**
 * A registered endpoint as operators see it. The secrets and header values themselves are never
 * part of this value; only whether one is set, how it is stored, and until when a rotated-out
 * secret still signs.
 *
 * @param eventTypes              the types it wants; empty means every type
 * @param previousSecretExpiresAt until when the secret before the last rotation still signs;
 *                                null when there is none (it may lie in the past)
 * @param secretSealed            true when the secret is stored sealed; false when plain text (or absent)
 * @param secretKeyId             the id of the key that sealed it; null when not sealed
 * @param previousSecretSealed    the same for the secret before the last rotation
 * @param previousSecretKeyId     the same for the secret before the last rotation
 * @param maxInFlight             requests in flight to it per worker at most; null: the worker's
 *                                --max-in-flight-per-endpoint
 * @param rateLimitPerSecond      most requests per second from all workers together; null: no limit
 * @param consecutiveFailures     failed attempts since the last success
 * @param breakerOpenUntil        null: circuit breaker closed; otherwise its deliveries are held back
 *                                until then (a probe goes when that time has passed)
 * @param breakerOpenings         times the breaker opened since the last success
 * @param onExhausted             ordered endpoints: whether a delivery that failed for good blocks its key
 * @param headers                 its static headers: names and how their values are stored, never the values
 * @param clientCertificate       the certificate it presents to receivers that ask for one; null when none
 * @param signing                 what signs its requests, and its Ed25519 public keys
 * @param oauth2                  its OAuth2 client credentials without the client secret; null when none
 */
public record Endpoint(long id, String accountId, String url, boolean hasSecret, List<String> eventTypes,
                       String description, boolean enabled, String disabledReason, OffsetDateTime disabledAt,
                       boolean ordered, OffsetDateTime previousSecretExpiresAt, OffsetDateTime createdAt,
                       OffsetDateTime updatedAt, boolean secretSealed, String secretKeyId,
                       boolean previousSecretSealed, String previousSecretKeyId,
                       Integer maxInFlight, Integer rateLimitPerSecond, int consecutiveFailures,
                       OffsetDateTime breakerOpenUntil, int breakerOpenings, OnExhausted onExhausted,
                       List<StaticHeader> headers, ClientCertificateStatus clientCertificate,
                       EndpointSigning signing, OAuth2Summary oauth2) {

    /** The bounds of webhook_endpoints_rate_limit_check. */
    public static final int MAX_RATE_LIMIT = 100_000;

    /** Null when {@code perSecond} is a valid rate limit (or null, no limit); else why not. */
    public static String rateLimitProblem(Integer perSecond) {
        return perSecond == null || (perSecond >= 1 && perSecond <= MAX_RATE_LIMIT) ? null
                : "rate limit must be 1 to " + MAX_RATE_LIMIT + " requests per second (got " + perSecond + ")";
    }

    /** "closed", "open until ...", or "half-open (probe due)" as of {@code now}. */
    public String breakerState(java.time.Instant now) {
        if (breakerOpenUntil == null) {
            return "closed";
        }
        return breakerOpenUntil.toInstant().isAfter(now) ? "open" : "half-open";
    }

    /** "sealed (key 1a2b3c4d)", "plain text" or "none". */
    public String secretStorage() {
        return storage(hasSecret, secretSealed, secretKeyId);
    }

    /** As {@link #secretStorage()}, for the secret before the last rotation. */
    public String previousSecretStorage() {
        return storage(previousSecretExpiresAt != null, previousSecretSealed, previousSecretKeyId);
    }

    private static String storage(boolean present, boolean sealed, String keyId) {
        return !present ? "none" : sealed ? "sealed (key " + keyId + ")" : "plain text";
    }

    /** "4", or "default" when the worker's --max-in-flight-per-endpoint applies. */
    public String maxInFlightText() {
        return maxInFlight == null ? "default" : String.valueOf(maxInFlight);
    }
}
