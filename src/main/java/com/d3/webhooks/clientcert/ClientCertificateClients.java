package com.d3.webhooks.clientcert;

import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongSupplier;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP client per client identity (a certificate chain and its key) in use: a TLS context is
 * fixed when a client is built, so endpoints that present a certificate cannot share the worker's
 * default client. Endpoints with the same chain and key share one client and its connections. A
 * client no request has used for the idle timeout is shut down and dropped; a rotated certificate
 * is another identity, so the next request builds its client and the old one idles out.
 */
public final class ClientCertificateClients implements AutoCloseable {

    /** How long an identity's client stays open without a request: long enough to keep connections across a retry burst. */
    public static final Duration IDLE_TIMEOUT = Duration.ofMinutes(10);

    private static final Logger log = LoggerFactory.getLogger(ClientCertificateClients.class);

    private final Function<SSLContext, HttpClient> build;
    private final long idleNanos;
    private final LongSupplier nanoTime;
    private final Map<String, Entry> byIdentity = new ConcurrentHashMap<>();
    private ScheduledExecutorService sweeper;

    /**
     * @param build    the worker's client builder, given the TLS context that presents the certificate
     * @param idle     how long an unused client stays open
     * @param nanoTime the clock idleness is measured with ({@code System::nanoTime})
     */
    public ClientCertificateClients(Function<SSLContext, HttpClient> build, Duration idle, LongSupplier nanoTime) {
        this.build = build;
        this.idleNanos = idle.toNanos();
        this.nanoTime = nanoTime;
    }

    /**
     * The client that presents this chain and key, for one request; close the lease when the
     * request is over. The first request of an identity parses and checks it and builds its client.
     *
     * @throws IllegalArgumentException when the chain or the key is unusable (never quoting the key)
     */
    public Lease lease(String chainPem, String keyPem) {
        String identity = identity(chainPem, keyPem);
        synchronized (this) {
            Entry known = byIdentity.get(identity);
            if (known != null) {
                known.users++;
                return new Lease(known);
            }
        }
        // Parsing checks the key with a signature (a millisecond for RSA): outside the lock.
        ClientCertificate certificate = ClientCertificate.parse(chainPem, keyPem);
        synchronized (this) {
            Entry entry = byIdentity.get(identity);
            if (entry == null) {
                entry = new Entry(certificate, build.apply(certificate.sslContext()));
                byIdentity.put(identity, entry);
                startSweeper();
                log.debug("built the HTTP client that presents {} (SHA-256 {})", certificate,
                        certificate.summary().sha256Fingerprint());
            }
            entry.users++;
            return new Lease(entry);
        }
    }

    /** Clients open now. */
    public int size() {
        return byIdentity.size();
    }

    /** Shuts down and drops the clients unused for the idle timeout; returns how many. */
    public synchronized int closeIdle() {
        long now = nanoTime.getAsLong();
        int closed = 0;
        for (Iterator<Entry> it = byIdentity.values().iterator(); it.hasNext(); ) {
            Entry e = it.next();
            if (e.users == 0 && now - e.lastUsedNanos >= idleNanos) {
                it.remove();
                e.client.shutdown();
                closed++;
                log.debug("closed the HTTP client that presents {}: unused for {} s", e.certificate,
                        TimeUnit.NANOSECONDS.toSeconds(idleNanos));
            }
        }
        return closed;
    }

    /** Shuts every client down (requests in flight finish) and stops the sweep. */
    @Override
    public synchronized void close() {
        byIdentity.values().forEach(e -> e.client.shutdown());
        byIdentity.clear();
        if (sweeper != null) {
            sweeper.shutdownNow();
        }
    }

    private void startSweeper() {
        if (sweeper != null) {
            return;
        }
        sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "outbox-client-certificate-sweeper");
            t.setDaemon(true);
            return t;
        });
        long every = Math.max(TimeUnit.SECONDS.toNanos(1), idleNanos / 2);
        sweeper.scheduleWithFixedDelay(this::closeIdle, every, every, TimeUnit.NANOSECONDS);
    }

    /** A digest, so the key's text is not what the map holds on to. */
    private static String identity(String chainPem, String keyPem) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(chainPem.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            sha.update(keyPem.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final class Entry {
        final ClientCertificate certificate;
        final HttpClient client;
        int users;
        long lastUsedNanos;

        Entry(ClientCertificate certificate, HttpClient client) {
            this.certificate = certificate;
            this.client = client;
        }
    }

    /** One request's use of an identity's client. */
    public final class Lease implements AutoCloseable {
        private final Entry entry;
        private boolean closed;

        private Lease(Entry entry) {
            this.entry = entry;
        }

        public HttpClient client() {
            return entry.client;
        }

        @Override
        public void close() {
            synchronized (ClientCertificateClients.this) {
                if (!closed) {
                    closed = true;
                    entry.users--;
                    entry.lastUsedNanos = nanoTime.getAsLong();
                }
            }
        }
    }
}
