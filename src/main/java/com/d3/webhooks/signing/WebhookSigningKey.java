package com.d3.webhooks.signing;

import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.util.Base64;

/**
 * One endpoint's Ed25519 private key, which signs {@code v1a} entries of {@code webhook-signature}
 * (Standard Webhooks' asymmetric scheme). Serialized as the spec does: {@value #PREFIX} and the
 * 32-byte seed in standard base64. Parsed once, so the hot path never decodes it again.
 * <p>
 * {@link #toString()} never shows the key; {@link #revealText()} is the one deliberate way out.
 */
public final class WebhookSigningKey {

    public static final String PREFIX = "whsk_";
    static final String SIGNATURE_PREFIX = "v1a,";

    private final String text;
    private final PrivateKey key;

    private WebhookSigningKey(String text, PrivateKey key) {
        this.text = text;
        this.key = key;
    }

    /** @throws IllegalArgumentException without repeating the key, when it is not {@code whsk_} and 32 bytes */
    public static WebhookSigningKey parse(String text) {
        return new WebhookSigningKey(text, Ed25519.privateKey(Ed25519.decode(text, PREFIX, "a signing key")));
    }

    /** A new random key pair. */
    public static Pair generate() {
        byte[][] seedAndPublic = Ed25519.generate();
        String text = Ed25519.encode(PREFIX, seedAndPublic[0]);
        return new Pair(new WebhookSigningKey(text, Ed25519.privateKey(seedAndPublic[0])),
                WebhookPublicKey.of(seedAndPublic[1]));
    }

    /**
     * A private key and the public key receivers verify its signatures with.
     *
     * @param signingKey stays with the sender, sealed
     * @param publicKey  given to the receiver
     */
    public record Pair(WebhookSigningKey signingKey, WebhookPublicKey publicKey) {
    }

    /** Whether {@code publicKey} verifies what this key signs: a receiver given it accepts our requests. */
    public boolean pairsWith(WebhookPublicKey publicKey) {
        byte[] probe = "d3-webhook-outbox key pair check".getBytes(StandardCharsets.US_ASCII);
        return publicKey.verifies(Ed25519.sign(key, probe), probe);
    }

    /** {@code v1a,<base64 Ed25519 signature of "<id>.<timestamp>.<body>">}. */
    String sign(String webhookId, String timestamp, byte[] body) {
        return SIGNATURE_PREFIX + Base64.getEncoder().encodeToString(Ed25519.sign(key,
                Signatures.signedPrefix(webhookId, timestamp), body));
    }

    /** The key as stored; handle with care. */
    public String revealText() {
        return text;
    }

    /** Never the key: these objects end up in log lines and exception messages. */
    @Override
    public String toString() {
        return "WebhookSigningKey[redacted]";
    }
}
