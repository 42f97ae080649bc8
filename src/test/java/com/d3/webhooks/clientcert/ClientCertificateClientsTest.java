package com.d3.webhooks.clientcert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.d3.webhooks.testing.Await;
import com.d3.webhooks.testing.TestPki;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** One client per identity, shared while in use, shut down once unused for the idle timeout. */
class ClientCertificateClientsTest {

    private static final TestPki.Authority CA = TestPki.Authority.root("Receiver CA");
    private static final Duration IDLE = Duration.ofMinutes(10);

    private final AtomicLong nanos = new AtomicLong(1_000);
    private final List<HttpClient> built = new CopyOnWriteArrayList<>();
    private final ClientCertificateClients clients = new ClientCertificateClients(tls -> {
        HttpClient c = HttpClient.newBuilder().sslContext(tls).build();
        built.add(c);
        return c;
    }, IDLE, nanos::get);

    @AfterEach
    void close() {
        clients.close();
    }

    @Test
    void theSameChainAndKeyShareOneClientAndAnotherGetsItsOwn() {
        TestPki.Issued a = CA.client("a");
        TestPki.Issued b = CA.client("b");

        try (var first = clients.lease(a.chainPem(), a.keyPem());
             var second = clients.lease(a.chainPem(), a.keyPem());
             var other = clients.lease(b.chainPem(), b.keyPem())) {
            assertSame(first.client(), second.client());
            assertNotSame(first.client(), other.client());
        }
        assertEquals(2, built.size());
        assertEquals(2, clients.size());
    }

    @Test
    void aClientUnusedForTheIdleTimeoutIsShutDownAndTheNextRequestBuildsAnother() {
        TestPki.Issued a = CA.client("a");
        clients.lease(a.chainPem(), a.keyPem()).close();
        TestPki.Issued b = CA.client("b");
        clients.lease(b.chainPem(), b.keyPem()).close();
        TestPki.Issued c = CA.client("c");
        var inUse = clients.lease(c.chainPem(), c.keyPem());

        nanos.addAndGet(IDLE.toNanos() - 1);
        assertEquals(0, clients.closeIdle(), "not idle long enough yet");
        nanos.addAndGet(1);
        assertEquals(2, clients.closeIdle(), "a and b; c is in use, however long ago it was leased");
        Await.until(Duration.ofSeconds(10), "a's client terminated", () -> built.get(0).isTerminated());
        assertFalse(built.get(2).isTerminated());

        HttpClient again = clients.lease(a.chainPem(), a.keyPem()).client();
        assertNotSame(built.get(0), again);
        assertEquals(4, built.size());
        inUse.close();
        nanos.addAndGet(TimeUnit.MINUTES.toNanos(10));
        assertEquals(1, clients.closeIdle(), "c, released ten minutes ago; a's new lease is still open");
        assertEquals(1, clients.size());
    }
}
