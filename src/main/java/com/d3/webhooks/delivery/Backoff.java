package com.d3.webhooks.delivery;

import java.time.Duration;

/**
 * The wait before a worker loop tries the database again: doubling from {@link #MIN} up to
 * {@link #MAX} while calls fail, back to the minimum after one succeeds.
 */
final class Backoff {

    static final Duration MIN = Duration.ofMillis(500);
    static final Duration MAX = Duration.ofSeconds(30);

    private Duration current = MIN;

    Duration current() {
        return current;
    }

    /** Whether the waits have reached their maximum. */
    boolean atMax() {
        return current.equals(MAX);
    }

    void reset() {
        current = MIN;
    }

    void grow() {
        current = Worker.min(current.multipliedBy(2), MAX);
    }
}
