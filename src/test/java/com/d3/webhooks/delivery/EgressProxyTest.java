package com.d3.webhooks.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.network.EgressProxy;
import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.MutableClock;
import com.d3.webhooks.testing.RecordingProxy;
import com.d3.webhooks.testing.TestDatabase;
import com.d3.webhooks.testing.TestDns;
import com.d3.webhooks.testing.TestReceiver;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Deliveries through --egress-proxy, against a proxy on loopback that records what it is asked
 * and forwards nothing; and no proxy at all without the option, whatever the JVM's properties say.
 */
class EgressProxyTest {

    private final Fixtures fx = new Fixtures(TestDatabase.get().database().dsl());
    private final RecordingProxy proxy = new RecordingProxy();

    @BeforeEach
    void empty() {
        TestDatabase.get().reset();
    }

    @AfterEach
    void close() {
        proxy.close();
    }

    @Test
    void plainHttpGoesToTheProxyAsAnAbsoluteFormRequestAndTheWorkerResolvesNothing() {
        // The tests' resolver knows no hooks.example.test: only the proxy could have resolved it.
        fx.endpoint("acct_1", "http://hooks.example.test:8080/d3?token=t", null);
        fx.event("acct_1", "fileTask.completed", "{}");

        deliverOnceThroughTheProxy();

        assertEquals(List.of("POST http://hooks.example.test:8080/d3?token=t HTTP/1.1"), proxy.requestLines());
        assertEquals("succeeded", fx.deliveries().get(0).getState());
    }

    @Test
    void httpsAsksTheProxyToConnect() {
        fx.endpoint("acct_1", "https://secure.example.test/d3", null);
        fx.event("acct_1", "fileTask.completed", "{}");

        deliverOnceThroughTheProxy();

        assertEquals(List.of("CONNECT secure.example.test:443 HTTP/1.1"), proxy.requestLines());
        // The proxy refused the tunnel (403): the error says so, in the JDK's words.
        String error = fx.audit().get(0).getErrorMessage();
        assertTrue(error.startsWith("I/O error with secure.example.test:443") && error.contains("403"), error);
    }

    @Test
    void addressesWrittenInTheUrlAreStillJudgedByTheWorker() {
        fx.endpoint("acct_1", "http://127.0.0.1:8080/hook", null);
        fx.event("acct_1", "fileTask.completed", "{}");

        deliverOnceThroughTheProxy();

        assertEquals(List.of(), proxy.requestLines());
        assertEquals("refused: 127.0.0.1 is a loopback address (use --allow-private-network to permit)",
                fx.audit().get(0).getErrorMessage());
    }

    @Test
    void theJvmsProxyPropertiesWithoutTheOptionChangeNothing() {
        Map<String, String> properties = Map.of("http.proxyHost", "127.0.0.1", "http.proxyPort",
                String.valueOf(proxy.port()), "https.proxyHost", "127.0.0.1", "https.proxyPort",
                String.valueOf(proxy.port()));
        TestDns.script("receiver.test", List.of(TestDns.LOOPBACK));
        try (TestReceiver receiver = new TestReceiver()) {
            fx.endpoint("acct_1", "http://receiver.test:" + URI.create(receiver.url("/")).getPort() + "/hook", null);
            fx.event("acct_1", "fileTask.completed", "{}");
            properties.forEach(System::setProperty);
            try (Worker worker = fx.worker(Fixtures.testConfig("w-direct").build(), MutableClock.startingNow())) {
                assertEquals(1, worker.runOnce());
            } finally {
                properties.keySet().forEach(System::clearProperty);
            }

            assertEquals(List.of(), proxy.requestLines());
            assertEquals(1, receiver.received().size());
        }
    }

    @Test
    void onlyAPlainHttpProxyAddressIsAccepted() {
        assertEquals("http://proxy.internal:4750", EgressProxy.parse("http://proxy.internal:4750").toString());
        for (String bad : List.of("https://proxy.internal:4750", "http://proxy.internal", "proxy.internal:4750",
                "http://user:s3cret@proxy.internal:4750", "http://proxy.internal:4750/path")) {
            var e = assertThrows(IllegalArgumentException.class, () -> EgressProxy.parse(bad));
            assertTrue(e.getMessage().startsWith("egress proxy ") && !e.getMessage().contains("s3cret"), e.getMessage());
        }
    }

    private void deliverOnceThroughTheProxy() {
        WorkerConfig config = Fixtures.testConfig("w-proxy").allowPrivateNetwork(false)
                .egressProxy(EgressProxy.parse(proxy.url())).build();
        try (Worker worker = fx.worker(config, MutableClock.startingNow())) {
            assertEquals(1, worker.runOnce());
        }
    }
}
