package com.d3.webhooks.delivery;

import com.d3.webhooks.endpoints.EndpointHeader;
import com.d3.webhooks.oauth.ClientCredentials;
import com.d3.webhooks.secrets.SecretColumn;
import com.d3.webhooks.signing.WebhookSecret;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.function.BiFunction;

/**
 * What a claimed delivery's endpoint signs and authenticates its requests with, as stored: secrets,
 * keys and header values sealed or in plain text, opened only by the part of the attempt that uses
 * them. {@link #toString()} names none of them.
 *
 * @param secret                  the endpoint's current secret, null for unsigned requests
 * @param previousSecret          the secret before the last rotation, null when none
 * @param previousSecretExpiresAt until when {@code previousSecret} still signs
 * @param headers                 the endpoint's static headers as stored (values sealed or plain
 *                                text), in the order they were added
 * @param clientCertificate       the PEM chain the endpoint's receiver is shown when it asks for a
 *                                client certificate; null when none
 * @param clientKey               that certificate's private key as stored (sealed or plain PEM)
 * @param signing                 the endpoint's signing mode and Ed25519 key pairs as stored
 * @param oauth2                  the endpoint's OAuth2 client credentials as stored (the secret
 *                                sealed or plain text); null when its requests carry no token
 */
public record EndpointCredentials(
        String secret,
        String previousSecret,
        OffsetDateTime previousSecretExpiresAt,
        List<EndpointHeader> headers,
        String clientCertificate,
        String clientKey,
        StoredSigning signing,
        ClientCredentials oauth2) {

    /** Signs with HMAC secrets alone (none: unsigned); no static headers, certificate or token. */
    public static EndpointCredentials hmac(String secret, String previousSecret,
                                           OffsetDateTime previousSecretExpiresAt) {
        return new EndpointCredentials(secret, previousSecret, previousSecretExpiresAt, List.of(), null, null,
                StoredSigning.HMAC_ONLY, null);
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

    /** Which credentials there are, never their values. */
    @Override
    public String toString() {
        return "EndpointCredentials[" + (secret == null ? "unsigned" : "secret") + (previousSecret == null ? ""
                : ", previous secret") + ", " + headers.size() + " static headers"
                + (clientCertificate == null ? "" : ", client certificate") + ", " + signing
                + (oauth2 == null ? "" : ", " + oauth2) + "]";
    }
}
