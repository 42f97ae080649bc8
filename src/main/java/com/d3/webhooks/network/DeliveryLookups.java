package com.d3.webhooks.network;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.function.Supplier;

/**
 * Marks the name lookups that one delivery client makes, for {@link DeliveryResolver}: those of
 * a thread between {@link #open()} and {@link Scope#close()} (the sender, around its request),
 * and every lookup on the threads the client starts itself. The second matters because
 * {@code java.net.http} looks the name up again on its own selector thread when it retries a
 * refused connection; the client is therefore built on a thread of a group of its own, which the
 * selector thread it starts inherits.
 *
 * <p>By thread rather than by name: the database host, the egress proxy and anything else the
 * JVM resolves stay out of it, while a customer's name is judged on whichever of the client's
 * threads it is looked up.
 */
public final class DeliveryLookups {

    private static final ThreadLocal<Scope> SENDING = new ThreadLocal<>();

    private final boolean judged;
    private final Duration bound;
    private final ClientThreads clientThreads = new ClientThreads();

    /**
     * @param judged whether lookups are refused when an address is not public; false for an
     *               installation that permits private destinations, or sends through a proxy
     * @param bound  the longest a lookup may take
     * @throws IllegalStateException when lookups must be judged and the JVM does not resolve
     *                               through {@link DeliveryResolver}
     */
    public DeliveryLookups(boolean judged, Duration bound) {
        if (judged && !DeliveryResolver.active()) {
            throw new IllegalStateException("the resolver that keeps deliveries off internal addresses is not active "
                    + "in this JVM (the JDK skips it when -Djdk.net.hosts.file is set); remove that option, or "
                    + "send through --egress-proxy, or permit private destinations with --allow-private-network");
        }
        this.judged = judged;
        this.bound = bound;
    }

    /** Builds the client on a thread of this client's group, so that the threads it starts join the group. */
    public HttpClient newClient(Supplier<HttpClient> build) {
        FutureTask<HttpClient> start = new FutureTask<>(build::get);
        new Thread(clientThreads, start, "outbox-http-client-start").start();
        try {
            return start.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the HTTP client", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException failed) {
                throw failed;
            }
            throw new IllegalStateException("cannot start the HTTP client", e.getCause());
        }
    }

    /** Marks the calling thread's lookups as this client's until the scope is closed. */
    public Scope open() {
        Scope scope = new Scope(this);
        SENDING.set(scope);
        return scope;
    }

    /** The delivery lookup scope of the current thread, or null for any other lookup. */
    static Scope scopeOfCurrentThread() {
        Scope sending = SENDING.get();
        if (sending != null) {
            return sending;
        }
        return Thread.currentThread().getThreadGroup() instanceof ClientThreads threads ? threads.scope : null;
    }

    /** One request's lookups; remembers why the resolver refused one, for the attempt's error. */
    public static final class Scope implements AutoCloseable {
        private final DeliveryLookups lookups;
        private volatile String refusal;

        private Scope(DeliveryLookups lookups) {
            this.lookups = lookups;
        }

        boolean judged() {
            return lookups.judged;
        }

        Duration bound() {
            return lookups.bound;
        }

        void refused(String message) {
            refusal = message;
        }

        /** Why the resolver refused an address while the scope was open. */
        public Optional<String> refusal() {
            return Optional.ofNullable(refusal);
        }

        @Override
        public void close() {
            SENDING.remove();
        }
    }

    /** The threads of one client; their lookups share one scope whose refusals nobody reads. */
    private final class ClientThreads extends ThreadGroup {
        final Scope scope = new Scope(DeliveryLookups.this);

        ClientThreads() {
            super("outbox-http-client");
        }
    }
}
