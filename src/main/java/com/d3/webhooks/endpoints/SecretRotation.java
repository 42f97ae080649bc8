package com.d3.webhooks.endpoints;

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
}
