package com.d3.webhooks.delivery;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The worker's delivery slots: what bounds its memory. A claim takes one per delivery, the
 * recorder gives them back after its commit, so at most {@link #count()} deliveries (payloads
 * included) are claimed and not yet recorded, whatever the backlog.
 */
final class Slots {

    private final int count;
    private final Semaphore free;

    Slots(int count) {
        this.count = count;
        this.free = new Semaphore(count);
    }

    int count() {
        return count;
    }

    int held() {
        return count - free.availablePermits();
    }

    boolean allFree() {
        return free.availablePermits() == count;
    }

    boolean anyFree() {
        return free.availablePermits() > 0;
    }

    void release(int n) {
        free.release(n);
    }

    /**
     * Takes free slots for one claim, at most {@code max}: waits up to {@code firstWait} for the
     * first, returning 0 when none came free. Under load slots free one at a time; lingering up to
     * {@code linger} until {@code want} are held makes each claim statement carry several
     * deliveries instead of one.
     */
    int takeForClaim(int max, int want, Duration firstWait, Duration linger, BooleanSupplier running)
            throws InterruptedException {
        if (!free.tryAcquire(firstWait.toMillis(), TimeUnit.MILLISECONDS)) {
            return 0;
        }
        int held = 1 + takeAvailable(max - 1);
        long lingerUntil = System.nanoTime() + linger.toNanos();
        while (held < want && running.getAsBoolean()) {
            long left = lingerUntil - System.nanoTime();
            if (left <= 0 || !free.tryAcquire(left, TimeUnit.NANOSECONDS)) {
                break;
            }
            held += 1 + takeAvailable(max - held - 1);
        }
        return held;
    }

    private int takeAvailable(int max) {
        int got = 0;
        while (got < max && free.tryAcquire()) {
            got++;
        }
        return got;
    }
}
