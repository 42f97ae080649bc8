package com.d3.webhooks.delivery;

import com.d3.webhooks.secrets.SealedPlace;
import com.d3.webhooks.secrets.SecretColumn;
import com.d3.webhooks.secrets.SecretSealer;
import com.d3.webhooks.signing.WebhookPublicKey;
import com.d3.webhooks.signing.WebhookSigningKey;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Ed25519 keys that sign a claimed delivery's attempt, opened once per stored value. Each is
 * checked against the public key stored beside it: a pair that does not match (a row the
 * dashboard wrote wrong) would have every receiver reject our requests, so the attempt fails with
 * the reason instead, and nothing is sent.
 */
final class SigningKeys {

    private static final int MAX_CHECKED = 10_000;

    private final OpenedValues<WebhookSigningKey> keys;
    /** Each opened key, and the public key it was found to pair with. */
    private final Map<WebhookSigningKey, String> pairedWith = new ConcurrentHashMap<>();

    SigningKeys(SecretSealer sealer) {
        this.keys = new OpenedValues<>(sealer, WebhookSigningKey::parse);
    }

    /**
     * The keys that sign an attempt made at {@code at}, newest first: the current one and, during
     * a rotation's overlap, the previous one. Empty when the endpoint signs with HMAC alone.
     *
     * @throws IllegalArgumentException naming the column and what is wrong, never a key
     */
    List<WebhookSigningKey> active(ClaimedDelivery d, Instant at) {
        StoredSigning s = d.credentials().signing();
        if (!s.mode().usesEd25519()) {
            return List.of();
        }
        if (s.key() == null) {
            throw new IllegalArgumentException("endpoint " + d.endpointId() + " signs with " + s.mode().value()
                    + " but has no signing_key");
        }
        WebhookSigningKey current = open(d.endpointId(), SecretColumn.SIGNING_KEY, s.key(), s.publicKey());
        if (s.previousKey() == null || s.previousKeyExpiresAt() == null || !s.previousKeyExpiresAt().toInstant()
                .isAfter(at)) {
            return List.of(current);
        }
        return List.of(current, open(d.endpointId(), SecretColumn.PREVIOUS_SIGNING_KEY, s.previousKey(),
                s.previousPublicKey()));
    }

    private WebhookSigningKey open(long endpointId, SecretColumn column, String stored, String publicKey) {
        WebhookSigningKey key = keys.get(SealedPlace.of(endpointId, column), stored);
        if (publicKey != null && publicKey.equals(pairedWith.get(key))) {
            return key;
        }
        WebhookPublicKey expected;
        try {
            expected = WebhookPublicKey.parse(String.valueOf(publicKey));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the " + column.columnName() + " of endpoint " + endpointId
                    + " has no usable public key: " + e.getMessage());
        }
        if (!key.pairsWith(expected)) {
            throw new IllegalArgumentException("the " + column.columnName() + " of endpoint " + endpointId
                    + " does not pair with its public key " + publicKey + ": receivers holding that key would reject "
                    + "every request");
        }
        if (pairedWith.size() >= MAX_CHECKED) {
            pairedWith.clear();
        }
        pairedWith.put(key, publicKey);
        return key;
    }
}
