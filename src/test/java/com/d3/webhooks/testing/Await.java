package com.d3.webhooks.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waiting for something another thread or process does: polls, never sleeps then asserts. */
public final class Await {

    private static final long POLL_MILLIS = 20;

    private Await() {
    }

    /** Whether {@code condition} held before {@code patience} ran out (checked once more at the end). */
    public static boolean eventually(Duration patience, BooleanSupplier condition) {
        long deadline = System.nanoTime() + patience.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting", e);
            }
        }
        return condition.getAsBoolean();
    }

    /** Waits until {@code condition} holds; fails with {@code what} when {@code patience} runs out first. */
    public static void until(Duration patience, String what, BooleanSupplier condition) {
        if (!eventually(patience, condition)) {
            throw new AssertionError("not within " + patience.toSeconds() + " s: " + what);
        }
    }
}
