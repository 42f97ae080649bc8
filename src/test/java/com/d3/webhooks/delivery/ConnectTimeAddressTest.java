package com.d3.webhooks.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.db.schema.tables.records.WebhookAuditLogsRecord;
import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.MutableClock;
import com.d3.webhooks.testing.TestDatabase;
import com.d3.webhooks.testing.TestDns;
import com.d3.webhooks.testing.TestReceiver;
import com.d3.webhooks.testing.WorkerProcess;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The name lookup the HTTP client makes when it connects is judged like the destination check's,
 * with the real client and a real receiver on loopback. Each name answers a public address to
 * the check (which never connects) and something inward to the connection: the receiver must see
 * nothing. The public address is never handed to the client.
 */
class ConnectTimeAddressTest {

    private static final Duration CONNECT_TIMEOUT = Duration.ofMillis(300);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(1);

    private final Fixtures fx = new Fixtures(TestDatabase.get().database().dsl());
    private final TestReceiver receiver = new TestReceiver();
    private Worker worker;

    @BeforeEach
    void workerThatRefusesInternalAddresses() {
        TestDatabase.get().reset();
        worker = fx.worker(Fixtures.testConfig("w-guard").allowPrivateNetwork(false)
                .connectTimeout(CONNECT_TIMEOUT).requestTimeout(REQUEST_TIMEOUT).build(), MutableClock.startingNow());
    }

    @AfterEach
    void close() {
        worker.close();
        receiver.close();
    }

    @Test
    void aNameRebindingToLoopbackAfterTheCheckReachesNoConnection() {
        TestDns.script("rebind.test", List.of(TestDns.PUBLIC), List.of(TestDns.LOOPBACK));

        String error = deliverOnceTo("rebind.test");

        assertEquals("refused when connecting: rebind.test resolves to 127.0.0.1, a loopback address "
                + "(use --allow-private-network to permit)", error);
    }

    @Test
    void anAnswerMixingLoopbackAndPublicAtConnectTimeIsRefusedWhole() {
        TestDns.script("mixed.test", List.of(TestDns.PUBLIC), List.of(TestDns.LOOPBACK, TestDns.PUBLIC));

        String error = deliverOnceTo("mixed.test");

        assertTrue(error.startsWith("refused when connecting: mixed.test resolves to 127.0.0.1"), error);
    }

    @Test
    void anIpv4MappedLoopbackAnswerAtConnectTimeIsRefused() {
        InetAddress mapped = TestDns.ipv4Mapped(TestDns.LOOPBACK);
        TestDns.script("mapped.test", List.of(TestDns.PUBLIC), List.of(mapped));

        String error = deliverOnceTo("mapped.test");

        assertEquals("refused when connecting: mapped.test resolves to " + mapped.getHostAddress()
                + ", an IPv4-mapped address for 127.0.0.1, a loopback address "
                + "(use --allow-private-network to permit)", error);
    }

    @Test
    void aSlowNameServerFailsTheAttemptWithinItsConnectTimeout() {
        TestDns.script("slow.test", List.of(TestDns.LOOPBACK));
        TestDns.delay("slow.test", Duration.ofSeconds(5));
        long start = System.nanoTime();

        String error = deliverOnceTo("slow.test");

        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertEquals("cannot resolve host 'slow.test': no answer within 300 ms", error);
        // The attempt fits the budget the lease is checked against, so no lease can run out under it.
        assertTrue(took.compareTo(CONNECT_TIMEOUT.plus(REQUEST_TIMEOUT)) < 0, "the attempt took " + took);
    }

    @Test
    void aWorkerWhoseJvmSkipsTheResolverRefusesToStart() throws Exception {
        Path hosts = Files.writeString(Files.createTempFile("hosts", ""), "127.0.0.1 localhost\n");
        WorkerProcess w = WorkerProcess.start("no-resolver", List.of("-Djdk.net.hosts.file=" + hosts), Map.of(),
                "--exit-when-idle");

        assertEquals(1, w.awaitExit(60), w.logText());
        assertTrue(w.logText().contains("the resolver that keeps deliveries off internal addresses is not active"),
                w.logText());
    }

    /** One attempt to {@code http://host:<receiver's port>/hook}; its error, after checking nothing arrived. */
    private String deliverOnceTo(String host) {
        int port = URI.create(receiver.url("/")).getPort();
        fx.endpoint("acct_1", "http://" + host + ":" + port + "/hook", null);
        fx.event("acct_1", "fileTask.completed", "{}");

        assertEquals(1, worker.runOnce());

        assertEquals(List.of(), receiver.received());
        WebhookAuditLogsRecord audit = fx.audit().get(0);
        assertEquals("failed", audit.getStatus());
        return audit.getErrorMessage();
    }
}
