package com.d3.webhooks.delivery;

import java.time.Duration;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The claim loop's idle wait: {@link #await} returns after its time, or at once when {@link #wake}
 * was called since the last wait (an ordered key's next delivery became due, an application sent
 * NOTIFY, or the worker is stopping), so no wake-up is lost between two waits.
 */
final class Waiter {

    private boolean woken;

    synchronized void await(Duration d) throws InterruptedException {
        if (!woken) {
            wait(Math.max(1, d.toMillis()));
        }
        woken = false;
    }

    synchronized void wake() {
        woken = true;
        notifyAll();
    }

    /** A factory of the worker's threads, named {@code prefix-1}, {@code prefix-2}, ... */
    static ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> new Thread(r, prefix + "-" + n.incrementAndGet());
    }
}
