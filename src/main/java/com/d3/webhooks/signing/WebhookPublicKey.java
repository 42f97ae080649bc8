package com.d3.webhooks.signing;

import java.security.PublicKey;

/**
 * The public half of an endpoint's Ed25519 key pair, which receivers verify {@code v1a}
 * signatures with: {@value #PREFIX} and the 32-byte key in standard base64, as the Standard
 * Webhooks spec serializes it. Not secret.
 */
public final class WebhookPublicKey {

    public static final String PREFIX = "whpk_";

    private final String text;
    private final PublicKey key;

    private WebhookPublicKey(String text, PublicKey key) {
        this.text = text;
        this.key = key;
    }

    /** @throws IllegalArgumentException when it is not {@code whpk_} and a 32-byte Ed25519 public key */
    public static WebhookPublicKey parse(String text) {
        return new WebhookPublicKey(text, Ed25519.publicKey(Ed25519.decode(text, PREFIX, "a public key")));
    }

    static WebhookPublicKey of(byte[] raw) {
        return new WebhookPublicKey(Ed25519.encode(PREFIX, raw), Ed25519.publicKey(raw));
    }

    /** Whether {@code signature} is this key's signature of the message given in parts. */
    boolean verifies(byte[] signature, byte[]... message) {
        return Ed25519.verify(key, signature, message);
    }

    /** {@code whpk_...}, as given to receivers. */
    public String text() {
        return text;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WebhookPublicKey k && k.text.equals(text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    @Override
    public String toString() {
        return text;
    }
}
