package com.d3.webhooks.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.testing.TestDns;
import com.d3.webhooks.testing.TestReceiver;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The JVM's resolver, as the tests install it over {@link TestDns}: which lookups it judges, and how. */
class DeliveryResolverTest {

    private final DeliveryLookups lookups = new DeliveryLookups(true, Duration.ofMillis(500));

    @Test
    void aNat64AnswerToADeliveryLookupIsRefused() throws Exception {
        TestDns.script("nat64.test", List.of(InetAddress.getByName("64:ff9b::7f00:1")));

        try (DeliveryLookups.Scope scope = lookups.open()) {
            var e = assertThrows(UnknownHostException.class, () -> InetAddress.getAllByName("nat64.test"));

            String expected = "refused when connecting: nat64.test resolves to 64:ff9b:0:0:0:0:7f00:1, a NAT64 address "
                    + "for 127.0.0.1, a loopback address (use --allow-private-network to permit)";
            assertEquals(expected, e.getMessage());
            assertEquals(Optional.of(expected), scope.refusal());
        }
    }

    @Test
    void theJvmsOtherLookupsSuchAsTheDatabaseHostAreNotJudged() throws Exception {
        TestDns.script("db.internal.test", List.of(InetAddress.getByName("10.0.0.5")));

        assertEquals("10.0.0.5", InetAddress.getByName("db.internal.test").getHostAddress());
    }

    @Test
    void aDeliveryLookupIsBounded() {
        TestDns.script("slow-connect.test", List.of(TestDns.PUBLIC));
        TestDns.delay("slow-connect.test", Duration.ofSeconds(3));
        long start = System.nanoTime();

        try (DeliveryLookups.Scope ignored = lookups.open()) {
            var e = assertThrows(UnknownHostException.class, () -> InetAddress.getAllByName("slow-connect.test"));

            assertEquals("no answer within 500 ms", e.getMessage());
        }
        assertTrue(Duration.ofNanos(System.nanoTime() - start).toMillis() < 2000);
    }

    /**
     * java.net.http looks a name up again on its selector thread when it retries a refused
     * connection; a lookup on that thread, here made by a body handler, is judged too.
     */
    @Test
    void lookupsOnTheClientsOwnSelectorThreadAreJudged() throws Exception {
        TestDns.script("inward.test", List.of(TestDns.LOOPBACK));
        HttpClient client = lookups.newClient(() -> HttpClient.newBuilder().executor(Runnable::run).build());
        AtomicReference<String> thread = new AtomicReference<>();
        AtomicReference<Exception> lookup = new AtomicReference<>();
        try (TestReceiver receiver = new TestReceiver()) {
            client.send(HttpRequest.newBuilder(URI.create(receiver.url("/"))).build(), info -> {
                thread.set(Thread.currentThread().getName());
                try {
                    InetAddress.getAllByName("inward.test");
                } catch (UnknownHostException e) {
                    lookup.set(e);
                }
                return HttpResponse.BodySubscribers.discarding();
            });
        }

        assertTrue(thread.get().endsWith("-SelectorManager"), thread.get());
        assertTrue(lookup.get() instanceof UnknownHostException, String.valueOf(lookup.get()));
    }
}
