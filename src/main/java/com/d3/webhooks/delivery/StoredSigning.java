package com.d3.webhooks.delivery;

import com.d3.webhooks.db.schema.tables.records.WebhookEndpointsRecord;
import com.d3.webhooks.endpoints.SigningMode;
import java.time.OffsetDateTime;

/**
 * A claimed delivery's endpoint's signing mode and Ed25519 key pairs as stored: the private keys
 * sealed or in plain text, the public keys as given to receivers.
 *
 * @param previousKeyExpiresAt until when {@code previousKey} still signs; null when there is none
 */
public record StoredSigning(SigningMode mode, String key, String publicKey, String previousKey,
                            String previousPublicKey, OffsetDateTime previousKeyExpiresAt) {

    /** An endpoint that signs with HMAC alone and has no key pair. */
    public static final StoredSigning HMAC_ONLY = new StoredSigning(SigningMode.HMAC, null, null, null, null, null);

    static StoredSigning of(WebhookEndpointsRecord r) {
        return new StoredSigning(SigningMode.parse(r.getSigning()), r.getSigningKey(), r.getSigningPublicKey(),
                r.getPreviousSigningKey(), r.getPreviousSigningPublicKey(), r.getPreviousSigningKeyExpiresAt());
    }

    /** Never the private keys, even sealed. */
    @Override
    public String toString() {
        return "StoredSigning[" + mode.value() + ", " + publicKey + "]";
    }
}
