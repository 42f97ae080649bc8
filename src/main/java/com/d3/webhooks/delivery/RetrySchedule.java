package com.d3.webhooks.delivery;

import com.d3.webhooks.config.Durations;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;

/**
 * When to try a failed delivery again: the n-th delay follows the n-th failed attempt of the
 * current budget, each varied by a jitter fraction so that a burst of failures does not return
 * as a burst. A delivery gets {@code delays.size() + 1} attempts; then it fails for good.
 */
public record RetrySchedule(List<Duration> delays, double jitter) {

    /** 5s, 5m, 30m, 2h, 5h, 10h, 10h: 8 attempts over about 27.6 hours, as Svix does. */
    public static final String DEFAULT_TEXT = "5s,5m,30m,2h,5h,10h,10h";
    public static final double DEFAULT_JITTER = 0.2;
    public static final RetrySchedule DEFAULT = parse(DEFAULT_TEXT, DEFAULT_JITTER);

    public RetrySchedule {
        delays = List.copyOf(delays);
        if (delays.stream().anyMatch(d -> d.isNegative())) {
            throw new IllegalArgumentException("retry delays must not be negative");
        }
        if (jitter < 0 || jitter >= 1) {
            throw new IllegalArgumentException("retry jitter must be at least 0 and below 1 (got " + jitter + ")");
        }
    }

    /** Parses {@code 5s,5m,30m}; an empty text means no retries (one attempt). */
    public static RetrySchedule parse(String text, double jitter) {
        if (text == null || text.isBlank() || text.trim().equals("none")) {
            return new RetrySchedule(List.of(), jitter);
        }
        return new RetrySchedule(Arrays.stream(text.split(",")).map(Durations::parse).toList(), jitter);
    }

    public int maxAttempts() {
        return delays.size() + 1;
    }

    /**
     * The delay after the given failed attempt of the current budget (1-based), or null when
     * that attempt was the last one.
     */
    public Duration delayAfter(int attemptInBudget) {
        if (attemptInBudget < 1 || attemptInBudget > delays.size()) {
            return null;
        }
        Duration base = delays.get(attemptInBudget - 1);
        if (jitter == 0 || base.isZero()) {
            return base;
        }
        double factor = 1 + ThreadLocalRandom.current().nextDouble(-jitter, jitter);
        return Duration.ofMillis(Math.round(base.toMillis() * factor));
    }

    @Override
    public String toString() {
        return delays.stream().map(Durations::format).collect(Collectors.joining(","));
    }
}
