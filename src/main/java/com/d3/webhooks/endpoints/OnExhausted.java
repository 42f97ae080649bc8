package com.d3.webhooks.endpoints;

import java.util.Arrays;
import java.util.Locale;

/**
 * What an ordered endpoint's key does when one of its deliveries fails for good (its retries are
 * exhausted, or the receiver aborted it): column webhook_endpoints.on_exhausted.
 */
public enum OnExhausted {
    /** Later deliveries of the key wait until an operator replays or skips the failed one (default). */
    BLOCK,
    /** The failed delivery stays failed (audited, replayable); the key moves on to its next delivery. */
    SKIP;

    /** The value stored in the database, used on the command line and in JSON: "block" or "skip". */
    @com.fasterxml.jackson.annotation.JsonValue
    public String value() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** "block" or "skip", in any case; anything else is refused with the valid values. */
    public static OnExhausted parse(String text) {
        return Arrays.stream(values()).filter(v -> v.value().equalsIgnoreCase(text == null ? "" : text.trim()))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("on-exhausted must be block or skip (got '"
                        + text + "')"));
    }
}
