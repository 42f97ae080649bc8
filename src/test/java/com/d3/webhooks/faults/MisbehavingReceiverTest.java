package com.d3.webhooks.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.db.schema.tables.records.WebhookAuditLogsRecord;
import com.d3.webhooks.delivery.Worker;
import com.d3.webhooks.testing.FaultReport;
import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.MutableClock;
import com.d3.webhooks.testing.RawReceiver;
import com.d3.webhooks.testing.SelfSignedTls;
import com.d3.webhooks.testing.TestDatabase;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntSupplier;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import com.d3.webhooks.testing.Await;

/**
 * Receivers that misbehave at the TCP, HTTP or TLS level, on loopback. Each one is a failed
 * attempt with an error that says what happened, and the delivery is retried on the schedule
 * (10 s, then 1 min here) like any other failure; none holds a sender past the request timeout
 * or makes the worker read more than the response excerpt. Each raw receiver answers
 * "Connection: close" or hangs up, so every attempt opens a connection of its own.
 */
class MisbehavingReceiverTest {

    private static final Duration REQUEST_TIMEOUT = Duration.ofMillis(800);
    private static final long HUNDRED_MB = 100L * 1024 * 1024;

    private final Fixtures fx = new Fixtures(TestDatabase.get().database().dsl());
    private final MutableClock clock = MutableClock.startingNow();
    private Worker worker;

    @BeforeEach
    void empty() {
        TestDatabase.get().reset();
        worker = fx.worker(Fixtures.testConfig("w-1").connectTimeout(Duration.ofSeconds(1))
                .requestTimeout(REQUEST_TIMEOUT).build(), clock);
    }

    @AfterEach
    void close() {
        worker.close();
    }

    @Test
    void aReceiverThatAcceptsAndNeverAnswers() throws Exception {
        try (RawReceiver r = new RawReceiver((s, rr) -> {
            rr.readRequest(s);
            rr.awaitPeerClose(s);
        })) {
            List<WebhookAuditLogsRecord> a = failsTwiceOnSchedule(r.url("/silent"),
                    "timeout: no response from 127.0.0.1:" + r.port() + " within 800 ms (request timeout)");
            assertNull(a.get(0).getResponseStatus());
            assertTrue(a.get(0).getDurationMs() >= 750 && a.get(0).getDurationMs() < 3000,
                    "duration " + a.get(0).getDurationMs());
            awaitAllClosedByWorker(r::closedByPeer, 2);
            report("accepts the connection, never answers", a);
        }
    }

    @Test
    void aReceiverThatSendsHeadersThenStallsTheBody() throws Exception {
        try (RawReceiver r = new RawReceiver((s, rr) -> {
            rr.readRequest(s);
            rr.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n{\"partial\":");
            rr.awaitPeerClose(s);
        })) {
            List<WebhookAuditLogsRecord> a = failsTwiceOnSchedule(r.url("/stall"), "timeout: 127.0.0.1:" + r.port()
                    + " sent HTTP 200 headers but the body was not complete within 800 ms (request timeout)");
            assertEquals(200, a.get(0).getResponseStatus());
            assertTrue(a.get(0).getDurationMs() < 3000, "duration " + a.get(0).getDurationMs());
            awaitAllClosedByWorker(r::closedByPeer, 2);
            report("headers, then the body stalls", a);
        }
    }

    @Test
    void aReceiverThatResetsTheConnection() throws Exception {
        try (RawReceiver r = new RawReceiver((s, rr) -> {
            rr.readRequest(s);
            s.setSoLinger(true, 0);
        })) {
            List<WebhookAuditLogsRecord> a = failsTwiceOnSchedule(r.url("/reset"),
                    "connection reset by 127.0.0.1:" + r.port() + " before any response");
            report("resets the connection (RST)", a);
        }
    }

    @Test
    void aReceiverThatHangsUpWithoutAnswering() throws Exception {
        try (RawReceiver r = new RawReceiver((s, rr) -> rr.readRequest(s))) {
            List<WebhookAuditLogsRecord> a = failsTwiceOnSchedule(r.url("/hangup"),
                    "connection closed by 127.0.0.1:" + r.port() + " before any response");
            report("closes the connection without answering", a);
        }
    }

    @Test
    void aReceiverThatHangsUpInTheMiddleOfTheBody() throws Exception {
        try (RawReceiver r = new RawReceiver((s, rr) -> {
            rr.readRequest(s);
            rr.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n{\"partial\":");
        })) {
            List<WebhookAuditLogsRecord> a = failsTwiceOnSchedule(r.url("/cut"), "connection closed by 127.0.0.1:"
                    + r.port() + " after HTTP 200 headers, before the body was complete");
            report("closes the connection mid-body", a);
        }
    }

    @Test
    void aReceiverThatAnswersGarbage() throws Exception {
        try (RawReceiver r = new RawReceiver((s, rr) -> {
            rr.readRequest(s);
            rr.write(s, "SSH-2.0-OpenSSH_9.6\u0007\u0000 not http\r\n\r\n");
        })) {
            List<WebhookAuditLogsRecord> a = failsTwiceOnSchedule(r.url("/garbage"), "not an HTTP/1.1 response from "
                    + "127.0.0.1:" + r.port() + ": Invalid status line: \"SSH-2.0-OpenSSH_9.6\\x07\\x00 not http\"");
            report("answers bytes that are not HTTP", a);
        }
    }

    @Test
    void aReceiverThatAnswersAHundredMegabyteBodyCostsOnlyTheExcerpt() throws Exception {
        try (RawReceiver r = new RawReceiver((s, rr) -> {
            rr.readRequest(s);
            rr.write(s, "HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\nContent-Length: "
                    + HUNDRED_MB + "\r\n\r\n");
            byte[] chunk = new byte[64 * 1024];
            Arrays.fill(chunk, (byte) 'x');
            for (long sent = 0; sent < HUNDRED_MB; sent += chunk.length) {
                rr.write(s, chunk);
            }
        })) {
            List<WebhookAuditLogsRecord> a = failsTwiceOnSchedule(r.url("/huge"), "HTTP 500");
            for (WebhookAuditLogsRecord attempt : a) {
                assertEquals(500, attempt.getResponseStatus());
                assertEquals("x".repeat(4096), attempt.getResponseBody(), "only the 4 KiB excerpt is kept");
                assertTrue(attempt.getDurationMs() < 3000, "duration " + attempt.getDurationMs());
            }
            // The worker hangs up after the excerpt: what the receiver got out before its writes
            // failed is what sat in socket buffers, not 2 x 100 MB.
            awaitAllClosedByWorker(r::closedByPeer, 2);
            assertTrue(r.bytesWritten() < 2 * 32L * 1024 * 1024, "bytes the receiver wrote: " + r.bytesWritten());
            report("answers with a 100 MB body", a, "receiver wrote " + r.bytesWritten() / (1024 * 1024)
                    + " MB in all before the worker hung up");
        }
    }

    @Test
    void aRedirectToAnInternalAddressIsNotFollowed() throws Exception {
        try (RawReceiver r = new RawReceiver((s, rr) -> {
            rr.readRequest(s);
            rr.write(s, "HTTP/1.1 301 Moved Permanently\r\nLocation: http://169.254.169.254/latest/meta-data/"
                    + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        })) {
            List<WebhookAuditLogsRecord> a = failsTwiceOnSchedule(r.url("/moved"),
                    "HTTP 301: redirect not followed (Location: http://169.254.169.254/latest/meta-data/)");
            assertEquals(2, r.requests(), "one request per attempt, none to the Location");
            report("301 to 169.254.169.254", a);
        }
    }

    @Test
    void aNameThatDoesNotResolve() {
        // The tests resolve names through TestDns: no DNS query leaves the machine.
        // The resolver's own words vary (the JDK caches a failed lookup and then only repeats the
        // name); what the operator needs is the name.
        List<WebhookAuditLogsRecord> a = failsTwiceOnSchedule("http://no-such-receiver.invalid/hook",
                m -> m.startsWith("cannot resolve host 'no-such-receiver.invalid'"));
        report("a name that does not resolve", a);
    }

    @Test
    void aTlsReceiverWithAnUntrustedCertificate() {
        try (SelfSignedTls.Receiver r = new SelfSignedTls.Receiver()) {
            List<WebhookAuditLogsRecord> a = failsTwiceOnSchedule(r.url("/tls"), "TLS handshake with 127.0.0.1:"
                    + r.port() + " failed: the server's certificate is not trusted (self-signed, or issued by an "
                    + "authority not in the worker's trust store)");
            assertEquals(0, r.requests(), "no request got through");
            report("TLS with a self-signed certificate", a);
        }
    }

    private static void report(String scenario, List<WebhookAuditLogsRecord> a) {
        report(scenario, a, null);
    }

    private static void report(String scenario, List<WebhookAuditLogsRecord> a, String note) {
        FaultReport.row("receiver: " + scenario, "2 attempts, 10 s apart", 1, 0, 0, 0,
                "failed attempts, retry due on schedule; error: " + a.get(0).getErrorMessage()
                        + "; " + a.get(0).getDurationMs() + " ms" + (note == null ? "" : "; " + note));
    }

    /** The worker closed every connection it opened (no stalled socket left behind). */
    private static void awaitAllClosedByWorker(IntSupplier closed, int expected) {
        Await.eventually(Duration.ofSeconds(5), () -> closed.getAsInt() >= expected);
        assertEquals(expected, closed.getAsInt(), "connections the worker closed");
    }

    /**
     * Two attempts, 10 s apart on the test clock: both failed with the expected error, the
     * delivery pending again, due 10 s after the first and 1 min after the second.
     */
    private List<WebhookAuditLogsRecord> failsTwiceOnSchedule(String url, String expectedError) {
        return failsTwiceOnSchedule(url, expectedError::equals);
    }

    private List<WebhookAuditLogsRecord> failsTwiceOnSchedule(String url, Predicate<String> expectedError) {
        fx.endpoint("acct_1", url, null);
        fx.event("acct_1", "fileTask.completed", "{}");

        assertEquals(1, worker.runOnce());
        var first = fx.deliveries().get(0);
        assertEquals("pending", first.getState());
        assertTrue(expectedError.test(first.getLastError()), first.getLastError());
        assertEquals(clock.instant().plusSeconds(10), first.getNextAttemptAt().toInstant());

        clock.advance(Duration.ofSeconds(9));
        assertEquals(0, worker.runOnce(), "not retried before the schedule says");
        clock.advance(Duration.ofSeconds(1));
        assertEquals(1, worker.runOnce());
        var second = fx.deliveries().get(0);
        assertEquals("pending", second.getState());
        assertEquals(2, second.getAttempts());
        assertTrue(expectedError.test(second.getLastError()), second.getLastError());
        assertEquals(clock.instant().plusSeconds(60), second.getNextAttemptAt().toInstant());

        List<WebhookAuditLogsRecord> audit = fx.audit();
        assertEquals(List.of(1, 2), audit.stream().map(WebhookAuditLogsRecord::getAttemptNumber).toList());
        for (WebhookAuditLogsRecord a : audit) {
            assertEquals("failed", a.getStatus());
            assertTrue(expectedError.test(a.getErrorMessage()), a.getErrorMessage());
        }
        return audit;
    }
}
