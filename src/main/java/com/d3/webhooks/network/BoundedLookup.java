package com.d3.webhooks.network;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A name lookup with a time bound. The system resolver blocks in native code, where neither a
 * timeout nor an interrupt reaches it, so the lookup runs on a thread of its own and the caller
 * waits at most the bound (interruptibly); a lookup that outlives it finishes unobserved.
 */
final class BoundedLookup {

    /** Lookups waiting for slow name servers at once; beyond it a lookup fails at once. */
    static final int MAX_PENDING = 256;

    private static final ThreadPoolExecutor LOOKUPS = lookupThreads();

    private BoundedLookup() {
    }

    static List<InetAddress> resolve(String host, Duration bound, HostResolver resolver) throws UnknownHostException {
        Future<List<InetAddress>> lookup;
        try {
            lookup = LOOKUPS.submit(() -> resolver.resolve(host));
        } catch (RejectedExecutionException e) {
            throw new UnknownHostException(MAX_PENDING + " lookups are already waiting for the name servers");
        }
        try {
            return lookup.get(bound.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            lookup.cancel(true);
            throw new UnknownHostException("no answer within " + bound.toMillis() + " ms");
        } catch (InterruptedException e) {
            lookup.cancel(true);
            Thread.currentThread().interrupt();
            throw new UnknownHostException("interrupted while resolving");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownHostException unknown) {
                throw unknown;
            }
            UnknownHostException failed = new UnknownHostException(String.valueOf(e.getCause()));
            failed.initCause(e.getCause());
            throw failed;
        }
    }

    private static ThreadPoolExecutor lookupThreads() {
        AtomicInteger n = new AtomicInteger();
        return new ThreadPoolExecutor(0, MAX_PENDING, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "outbox-dns-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }
}
