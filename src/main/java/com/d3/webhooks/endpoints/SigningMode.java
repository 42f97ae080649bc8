package com.d3.webhooks.endpoints;

import java.util.Arrays;
import java.util.Locale;

/**
 * What signs an endpoint's {@code webhook-signature}: column webhook_endpoints.signing.
 */
public enum SigningMode {
    /** HMAC-SHA256 with the endpoint's secret: {@code v1} entries and X-D3-Signature (the default). */
    HMAC,
    /** Ed25519 with the endpoint's signing key: {@code v1a} entries only; no HMAC, so no shared secret. */
    ED25519,
    /** Both: {@code v1} and {@code v1a} entries side by side, and X-D3-Signature. */
    BOTH;

    /** The value stored in the database, used on the command line and in JSON: "hmac", "ed25519" or "both". */
    @com.fasterxml.jackson.annotation.JsonValue
    public String value() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** "hmac", "ed25519" or "both", in any case; anything else is refused with the valid values. */
    public static SigningMode parse(String text) {
        return Arrays.stream(values()).filter(v -> v.value().equalsIgnoreCase(text == null ? "" : text.trim()))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("signing must be hmac, ed25519 or both (got '"
                        + text + "')"));
    }

    public boolean usesHmac() {
        return this != ED25519;
    }

    public boolean usesEd25519() {
        return this != HMAC;
    }
}
