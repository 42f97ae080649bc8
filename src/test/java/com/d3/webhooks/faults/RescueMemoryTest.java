package com.d3.webhooks.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.TestDatabase;
import com.d3.webhooks.testing.RawReceiver;
import com.d3.webhooks.testing.WorkerProcess;
import java.util.List;
import java.util.Map;
import org.jooq.DSLContext;
import org.junit.jupiter.api.Test;

/**
 * Lease rescue after a crash of a busy worker, in a small heap: 500 deliveries whose payloads are
 * near the 256 KiB limit (125 MB of payload text) were in flight when their worker died. The
 * rescuing worker, a process with a 64 MB heap, audits every lost attempt and delivers all of
 * them; it never holds more than a bounded share of those payloads at once.
 */
class RescueMemoryTest {

    private static final int DELIVERIES = 500;
    private static final int PAYLOAD_CHARS = 250_000;

    private final DSLContext dsl = TestDatabase.get().database().dsl();
    private final Fixtures fx = new Fixtures(dsl);

    @Test
    void fiveHundredExpiredLeasesOfLargePayloadsAreRescuedInASixtyFourMegabyteHeap() {
        TestDatabase.get().reset();
        // A receiver that keeps nothing of what it reads: 125 MB of bodies stay out of this JVM too.
        try (RawReceiver receiver = new RawReceiver((s, r) -> {
            r.readRequest(s);
            r.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        })) {
            long endpoint = fx.endpoint("acct_1", receiver.url("/big"), null);
            // The state a kill -9 leaves: routed, claimed by a worker that is gone, lease run out.
            // Compressible payloads keep the database small; the worker sees their full text.
            dsl.execute("""
                    INSERT INTO webhook_outbox (account_id, event_type, payload, routing_state, routed_at, delivery_count)
                    SELECT 'acct_1', 'fileTask.completed', jsonb_build_object('n', n, 'blob', repeat('x', {0})),
                           'routed', now(), 1
                      FROM generate_series(1, {1}) AS n""", PAYLOAD_CHARS, DELIVERIES);
            dsl.execute("""
                    INSERT INTO webhook_deliveries (outbox_id, event_id, endpoint_id, account_id, event_type, state,
                           attempts, next_attempt_at, locked_by, locked_until, created_at, updated_at)
                    SELECT o.id, o.event_id, {0}, o.account_id, o.event_type, 'in_flight', 1, now(), 'crashed',
                           now() - interval '1 minute', now(), now()
                      FROM webhook_outbox o""", endpoint);

            WorkerProcess worker = WorkerProcess.start("rescue-memory",
                    List.of("-Xmx64m", "-XX:+ExitOnOutOfMemoryError"), Map.of(),
                    "--allow-private-network", "--exit-when-idle", "--concurrency", "4",
                    "--max-in-flight-per-endpoint", "4");
            int exit = worker.awaitExit(240);

            assertEquals(0, exit, "exit code; log " + worker.log());
            assertFalse(worker.logText().contains("OutOfMemoryError"), "log " + worker.log());
            assertEquals(DELIVERIES, dsl.fetchCount(dsl.selectOne().from("webhook_audit_logs")
                    .where("worker_id = 'rescue-memory' AND error_message LIKE 'lease expired%'")),
                    "every lost attempt audited");
            assertEquals(DELIVERIES, dsl.fetchCount(dsl.selectOne().from("webhook_deliveries")
                    .where("state = 'succeeded'")), "every delivery delivered after its rescue");
            assertEquals(DELIVERIES, receiver.requests());
        }
    }
}
