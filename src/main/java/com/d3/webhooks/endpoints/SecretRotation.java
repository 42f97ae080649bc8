package com.d3.webhooks.endpoints;

import com.d3.webhooks.db.DbTime;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;

/**
 * The outcome of a secret rotation, or of a signing key rotation (then "secret" reads "signing key").
 *
 * @param previousSecretExpiresAt until when the old secret still signs (null: it stopped at once,
 *                                or the endpoint had no secret before)
 * @param hadSecret               whether requests were signed before the rotation
 * @param droppedOlderSecret      a still-active secret from an earlier rotation stopped signing
 *                                now (only two secrets sign at a time)
 */
public record SecretRotation(long endpointId, OffsetDateTime previousSecretExpiresAt, boolean hadSecret,
                             boolean droppedOlderSecret) {

    /**
     * Rotating at {@code now}: the current secret (if {@code hadSecret}) keeps signing beside the
     * new one for a positive {@code overlap}; one that still signed from an earlier rotation (until
     * {@code olderExpiry}) stops.
     */
    static SecretRotation at(long endpointId, boolean hadSecret, OffsetDateTime olderExpiry, Duration overlap,
                             Instant now) {
        OffsetDateTime expiresAt = hadSecret && overlap.isPositive() ? DbTime.utc(now.plus(overlap)) : null;
        return new SecretRotation(endpointId, expiresAt, hadSecret,
                olderExpiry != null && olderExpiry.toInstant().isAfter(now));
    }

    /** Whether the current secret moves to the previous column and keeps signing. */
    boolean keepsPrevious() {
        return previousSecretExpiresAt != null;
    }
}
