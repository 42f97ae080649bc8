package com.d3.webhooks.endpoints;

import static com.d3.webhooks.db.schema.Tables.WEBHOOK_ENDPOINTS;

import com.d3.webhooks.db.DbTime;
import com.d3.webhooks.secrets.SealedPlace;
import com.d3.webhooks.secrets.SecretColumn;
import com.d3.webhooks.secrets.SecretSealer;
import com.d3.webhooks.signing.WebhookSigningKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.jooq.DSLContext;

/**
 * Sets an endpoint's signing mode and rotates its Ed25519 key pair (the same columns the
 * dashboard's backend writes by SQL). Built with a {@link SecretSealer} that has a key, it stores
 * private keys sealed, bound to their endpoint and column; without one it stores them as given, as
 * the dashboard's backend does, and the worker seals them later. Private keys never leave it.
 */
public final class SigningKeyRepository {

    private static final com.d3.webhooks.db.schema.tables.WebhookEndpoints E = WEBHOOK_ENDPOINTS;

    private final DSLContext dsl;
    private final SecretSealer sealer;

    public SigningKeyRepository(DSLContext dsl, SecretSealer sealer) {
        this.dsl = dsl;
        this.sealer = sealer;
    }

    /**
     * Makes the endpoint sign with {@code mode}. An Ed25519 mode on an endpoint without a key pair
     * gives it a new one; a key pair it already has is kept (switching to hmac and back keeps the
     * public key receivers hold). False when there is no such endpoint.
     *
     * @throws IllegalArgumentException for {@code both} on an endpoint without a secret
     */
    public boolean setMode(long id, SigningMode mode, Instant now) {
        return dsl.transactionResult(cfg -> {
            DSLContext tx = cfg.dsl();
            var current = tx.select(E.SECRET, E.SIGNING_KEY).from(E).where(E.ID.eq(id)).forUpdate().fetchOptional();
            if (current.isEmpty()) {
                return false;
            }
            if (mode == SigningMode.BOTH && current.get().value1() == null) {
                throw new IllegalArgumentException("endpoint " + id + " has no secret, so 'both' would sign with "
                        + "Ed25519 alone: give it a secret (rotate-secret), or use --signing ed25519");
            }
            var update = tx.update(E).set(E.SIGNING, mode.value()).set(E.UPDATED_AT, DbTime.utc(now));
            if (mode.usesEd25519() && current.get().value2() == null) {
                WebhookSigningKey.Pair pair = WebhookSigningKey.generate();
                update = update.set(E.SIGNING_KEY, sealed(pair.signingKey().revealText(), id, SecretColumn.SIGNING_KEY))
                        .set(E.SIGNING_PUBLIC_KEY, pair.publicKey().text());
            }
            update.where(E.ID.eq(id)).execute();
            return true;
        });
    }

    /**
     * Makes {@code next} the signing key pair; the current one keeps signing (as a second
     * {@code v1a} entry) until {@code now + overlap}. A zero overlap stops it at once. The signing
     * mode stays as it is. Empty when there is no such endpoint.
     *
     * @throws IllegalArgumentException when the current key is sealed and cannot be opened
     */
    public Optional<SecretRotation> rotate(long id, WebhookSigningKey.Pair next, Duration overlap, Instant now) {
        return dsl.transactionResult(cfg -> {
            DSLContext tx = cfg.dsl();
            var current = tx.select(E.SIGNING_KEY, E.SIGNING_PUBLIC_KEY, E.PREVIOUS_SIGNING_KEY_EXPIRES_AT).from(E)
                    .where(E.ID.eq(id)).forUpdate().fetchOptional();
            if (current.isEmpty()) {
                return Optional.<SecretRotation>empty();
            }
            String oldKey = current.get().value1();
            SecretRotation rotation = SecretRotation.at(id, oldKey != null, current.get().value3(), overlap, now);
            boolean keepOld = rotation.keepsPrevious();
            tx.update(E)
                    .set(E.SIGNING_KEY, sealed(next.signingKey().revealText(), id, SecretColumn.SIGNING_KEY))
                    .set(E.SIGNING_PUBLIC_KEY, next.publicKey().text())
                    .set(E.PREVIOUS_SIGNING_KEY, keepOld ? sealer.moveIfKeyed(oldKey, SealedPlace.of(id,
                            SecretColumn.SIGNING_KEY), SealedPlace.of(id, SecretColumn.PREVIOUS_SIGNING_KEY)) : null)
                    .set(E.PREVIOUS_SIGNING_PUBLIC_KEY, keepOld ? current.get().value2() : null)
                    .set(E.PREVIOUS_SIGNING_KEY_EXPIRES_AT, rotation.previousSecretExpiresAt())
                    .set(E.UPDATED_AT, DbTime.utc(now))
                    .where(E.ID.eq(id))
                    .execute();
            return Optional.of(rotation);
        });
    }

    private String sealed(String key, long id, SecretColumn column) {
        return sealer.sealIfKeyed(key, SealedPlace.of(id, column));
    }
}
