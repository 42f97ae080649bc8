package com.d3.webhooks.endpoints;

import com.d3.webhooks.db.schema.tables.records.WebhookEndpointsRecord;
import com.d3.webhooks.secrets.SecretSealer;
import java.time.Instant;
import java.time.OffsetDateTime;

/**
 * How an endpoint signs, as operators and receivers see it: the public keys, never the private
 * ones; only whether the private key is sealed, and by which key id.
 *
 * @param mode                 what signs webhook-signature
 * @param publicKey            {@code whpk_...}, what receivers verify {@code v1a} entries with;
 *                             null when the endpoint has no signing key
 * @param previousPublicKey    the public key before the last rotation; null when none
 * @param previousKeyExpiresAt until when the key before the last rotation still signs (it may lie in the past)
 * @param keySealed            true when the private key is stored sealed; false when plain text (or absent)
 * @param keyId                the id of the key that sealed it; null when not sealed
 */
public record EndpointSigning(SigningMode mode, String publicKey, String previousPublicKey,
                              OffsetDateTime previousKeyExpiresAt, boolean keySealed, String keyId) {

    static EndpointSigning of(WebhookEndpointsRecord r) {
        return new EndpointSigning(SigningMode.parse(r.getSigning()), r.getSigningPublicKey(),
                r.getPreviousSigningPublicKey(), r.getPreviousSigningKeyExpiresAt(),
                SecretSealer.isSealed(r.getSigningKey()), SecretSealer.keyIdOf(r.getSigningKey()).orElse(null));
    }

    /** Whether the key before the last rotation still signs at {@code now}. */
    public boolean previousKeySigns(Instant now) {
        return previousKeyExpiresAt != null && previousKeyExpiresAt.toInstant().isAfter(now);
    }
}
