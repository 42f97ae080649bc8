package com.d3.webhooks.clientcert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.db.schema.tables.records.WebhookAuditLogsRecord;
import com.d3.webhooks.db.schema.tables.records.WebhookDeliveriesRecord;
import com.d3.webhooks.secrets.SecretSealer;
import com.d3.webhooks.testing.Await;
import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.MutualTlsReceiver;
import com.d3.webhooks.testing.TestDatabase;
import com.d3.webhooks.testing.TestPki;
import com.d3.webhooks.testing.WorkerProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jooq.DSLContext;
import org.junit.jupiter.api.Test;

/**
 * The real worker, in a process of its own that trusts the receiver's authority through the JVM's
 * trust store options (as an installation trusts a private CA), delivering to an HTTPS receiver on
 * loopback that requires a client certificate from that authority.
 */
class MutualTlsDeliveryTest {

    private static final Path TLS_DIR = Path.of("target", "tls");

    private final DSLContext dsl = TestDatabase.get().database().dsl();
    private final Fixtures fx = new Fixtures(dsl);
    private final String secretKey = SecretSealer.newKey();
    private final ClientCertificateRepository certificates =
            new ClientCertificateRepository(dsl, SecretSealer.of(secretKey));
    private final TestPki.Authority receiverCa = TestPki.Authority.root("Receiver CA");

    @Test
    void onlyACertificateTheReceiverTrustsGetsThroughAndTheOthersFailWithTheReasonAndWait() {
        TestDatabase.get().reset();
        TestPki.Issued trusted = receiverCa.intermediate("Issuing CA").client("outbox-client");
        TestPki.Issued stranger = TestPki.Authority.root("Other CA").client("stranger");
        try (MutualTlsReceiver receiver = new MutualTlsReceiver(receiverCa)) {
            long withTrusted = fx.endpoint("acct_1", receiver.url("/trusted"), null);
            long without = fx.endpoint("acct_1", receiver.url("/none"), null);
            long withStranger = fx.endpoint("acct_1", receiver.url("/stranger"), null);
            set(withTrusted, trusted);
            set(withStranger, stranger);
            fx.event("acct_1", "fileTask.completed", "{}");

            WorkerProcess worker = WorkerProcess.start("mtls-once", receiverCa.trustOptions(trustStore("once")),
                    Map.of(SecretSealer.KEY_VARIABLE, secretKey), "--allow-private-network", "--exit-when-idle",
                    "--retry-schedule", "1h");
            assertEquals(0, worker.awaitExit(90), worker.logText());

            assertEquals(List.of("CN=outbox-client"), receiver.clientSubjects());
            Map<Long, WebhookDeliveriesRecord> deliveries = fx.deliveries().stream()
                    .collect(Collectors.toMap(WebhookDeliveriesRecord::getEndpointId, Function.identity()));
            Map<Long, WebhookAuditLogsRecord> audit = fx.audit().stream()
                    .collect(Collectors.toMap(WebhookAuditLogsRecord::getEndpointId, Function.identity()));
            assertEquals("succeeded", deliveries.get(withTrusted).getState());
            assertEquals(200, audit.get(withTrusted).getResponseStatus());
            String port = receiver.url("").replaceAll(".*:", "");
            // The parentheses hold the JDK's words, e.g. "(certificate_required) Received fatal alert: ...".
            String none = audit.get(without).getErrorMessage();
            assertTrue(none.startsWith("TLS handshake with 127.0.0.1:" + port + " failed: the receiver requires a "
                    + "client certificate, and none was presented ("), none);
            String refused = audit.get(withStranger).getErrorMessage();
            assertTrue(refused.startsWith("TLS handshake with 127.0.0.1:" + port + " failed: the receiver refused "
                    + "the client certificate, or its absence ("), refused);
            for (long failed : List.of(without, withStranger)) {
                WebhookDeliveriesRecord d = deliveries.get(failed);
                assertEquals("pending", d.getState(), "retried on schedule");
                assertEquals(1, d.getAttempts());
                assertTrue(d.getNextAttemptAt().isAfter(OffsetDateTime.now().plusMinutes(40)), d.toString());
            }
            assertKeysNowhere(worker.logText(), trusted, stranger);
        }
    }

    @Test
    void aRotatedCertificateIsPresentedFromTheNextAttemptOfARunningWorker() {
        TestDatabase.get().reset();
        TestPki.Issued before = receiverCa.client("before-rotation");
        TestPki.Issued after = receiverCa.client("after-rotation");
        try (MutualTlsReceiver receiver = new MutualTlsReceiver(receiverCa);
             WorkerProcess worker = WorkerProcess.start("mtls-rotation",
                     receiverCa.trustOptions(trustStore("rotation")), Map.of(SecretSealer.KEY_VARIABLE, secretKey),
                     "--allow-private-network", "--retry-schedule", "1s", "--poll-max", "100ms")) {
            long id = fx.endpoint("acct_1", receiver.url("/hook"), null);
            set(id, before);
            fx.event("acct_1", "fileTask.completed", "{}");
            Await.until(Duration.ofSeconds(60), "the first delivery", () -> receiver.clientSubjects().size() == 1);

            set(id, after);
            fx.event("acct_1", "fileTask.completed", "{}");
            Await.until(Duration.ofSeconds(30), "the second delivery", () -> receiver.clientSubjects().size() == 2);

            assertEquals(List.of("CN=before-rotation", "CN=after-rotation"), receiver.clientSubjects());
            assertTrue(fx.audit().stream().allMatch(a -> a.getResponseStatus() == 200), "no failed attempt");
            assertKeysNowhere(worker.logText(), before, after);
        }
    }

    private void set(long endpointId, TestPki.Issued certificate) {
        assertTrue(certificates.set(endpointId, ClientCertificate.parse(certificate.chainPem(), certificate.keyPem()),
                Instant.now()));
    }

    private Path trustStore(String name) {
        return TLS_DIR.resolve("mtls-" + name + "-" + ProcessHandle.current().pid() + ".p12");
    }

    /** Neither key, nor a line of its PEM, in the worker's log or any audit row. */
    private void assertKeysNowhere(String log, TestPki.Issued... certificates) {
        String audit = fx.audit().stream().map(Object::toString).collect(Collectors.joining("\n"));
        for (TestPki.Issued c : certificates) {
            for (String line : c.keyLines()) {
                assertFalse(log.contains(line), "the key in the worker's log");
                assertFalse(audit.contains(line), "the key in an audit row");
            }
        }
    }
}
