package com.d3.webhooks.oauth;

import java.time.Duration;

/**
 * When an attempt must be over, on the monotonic clock: the token request and the webhook request
 * share one attempt's time, so that an attempt still ends within the bound its lease assumes.
 */
public record Deadline(long nanos) {

    public static Deadline after(Duration d) {
        return new Deadline(System.nanoTime() + d.toNanos());
    }

    /** What is left, zero once it has passed. */
    public Duration remaining() {
        return Duration.ofNanos(Math.max(0, nanos - System.nanoTime()));
    }
}
