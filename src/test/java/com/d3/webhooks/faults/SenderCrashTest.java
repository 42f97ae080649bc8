package com.d3.webhooks.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.delivery.RetrySchedule;
import com.d3.webhooks.delivery.Worker;
import com.d3.webhooks.outbox.Outbox;
import com.d3.webhooks.outbox.OutboxEvent;
import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.TestDatabase;
import com.d3.webhooks.testing.TestReceiver;
import com.d3.webhooks.testing.TestReceiver.Reply;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicInteger;
import org.jooq.DSLContext;
import org.junit.jupiter.api.Test;
import com.d3.webhooks.testing.Await;
import java.time.Duration;

/**
 * An attempt that throws, even an Error, still ends as a recorded outcome and gives its slot back:
 * more such attempts than the worker has slots do not leave it claiming nothing.
 */
class SenderCrashTest {

    private final DSLContext dsl = TestDatabase.get().database().dsl();
    private final Fixtures fx = new Fixtures(dsl);

    /**
     * The system clock, but of the first {@code 2 x crashes} readings on a sender thread every other
     * one throws: the attempt's first reading fails, the reading that audits the failure works.
     */
    private static final class CrashingOnSenders extends Clock {
        final int crashes;
        final AtomicInteger readings = new AtomicInteger();

        CrashingOnSenders(int crashes) {
            this.crashes = crashes;
        }

        @Override
        public Instant instant() {
            if (Thread.currentThread().getName().startsWith("outbox-sender")) {
                int n = readings.getAndIncrement();
                if (n < 2 * crashes && n % 2 == 0) {
                    throw new AssertionError("a defect in the attempt");
                }
            }
            return Instant.now();
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    @Test
    void attemptsThatThrowAreAuditedAndFreeTheirSlots() throws Exception {
        TestDatabase.get().reset();
        int slots = 4; // one sender, four slots
        int events = 3 * slots;
        try (TestReceiver receiver = new TestReceiver()) {
            receiver.on("/hook", r -> Reply.status(200));
            fx.endpoint("acct_1", receiver.url("/hook"), null);
            dsl.transaction(cfg -> {
                for (int i = 0; i < events; i++) {
                    Outbox.insert(cfg.dsl(), OutboxEvent.of("acct_1", "fileTask.completed", "{}"));
                }
            });
            try (Worker worker = fx.worker(Fixtures.testConfig("w-crash").concurrency(1)
                    .retrySchedule(RetrySchedule.parse("1s,1s,1s", 0)).build(), new CrashingOnSenders(2 * slots))) {
                worker.start();
                Await.eventually(Duration.ofSeconds(60), () -> succeeded() >= events);
                assertTrue(worker.loopAlive(), "the worker is ready again");
            }
        }
        assertEquals(events, succeeded(), "every delivery went out after the attempts that threw");
        int failedAttempts = dsl.fetchCount(dsl.selectFrom("webhook_audit_logs")
                .where("status = 'failed' AND error_message LIKE 'the worker failed during the attempt%'"));
        assertTrue(failedAttempts > 0, "the attempts that threw are audited as failed");
    }

    private int succeeded() {
        return dsl.fetchCount(dsl.selectFrom("webhook_deliveries").where("state = 'succeeded'"));
    }
}
