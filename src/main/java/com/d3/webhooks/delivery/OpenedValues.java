package com.d3.webhooks.delivery;

import com.d3.webhooks.secrets.SealedPlace;
import com.d3.webhooks.secrets.SecretSealer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Stored values (sealed or plain text) opened and parsed once per place and text, and kept up to
 * a bound: opening a sealed value (AES-GCM) costs more than the signature it serves. A rotated or
 * changed value is a different text and gets its own entry.
 */
final class OpenedValues<T> {

    private static final int MAX_OPENED = 10_000;

    /** A stored value and where it is stored: a sealed value opens only there. */
    private record Stored(SealedPlace place, String text) {
        @Override
        public String toString() {
            return place.toString();
        }
    }

    private final Map<Stored, T> opened = new ConcurrentHashMap<>();
    private final SecretSealer sealer;
    private final Function<String, T> parse;

    OpenedValues(SecretSealer sealer, Function<String, T> parse) {
        this.sealer = sealer;
        this.parse = parse;
    }

    /** @throws IllegalArgumentException when the value cannot be opened there, or parsed */
    T get(SealedPlace place, String stored) {
        Stored key = new Stored(place, stored);
        T known = opened.get(key);
        if (known != null) {
            return known;
        }
        T value = parse.apply(sealer.open(stored, place));
        if (opened.size() >= MAX_OPENED) {
            opened.clear();
        }
        opened.put(key, value);
        return value;
    }
}
