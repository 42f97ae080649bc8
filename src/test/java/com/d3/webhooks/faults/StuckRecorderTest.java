package com.d3.webhooks.faults;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.audit.AuditEntry;
import com.d3.webhooks.delivery.DeliveryListener;
import com.d3.webhooks.delivery.Worker;
import com.d3.webhooks.outbox.Outbox;
import com.d3.webhooks.outbox.OutboxEvent;
import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.TestDatabase;
import com.d3.webhooks.testing.TestReceiver;
import com.d3.webhooks.testing.TestReceiver.Reply;
import java.time.Clock;
import org.jooq.DSLContext;
import org.junit.jupiter.api.Test;
import com.d3.webhooks.testing.Await;
import java.time.Duration;

/**
 * A worker whose recorder has stopped can free no slot again: it must say it is not ready, so
 * its supervisor restarts it, rather than look healthy while it delivers nothing.
 */
class StuckRecorderTest {

    private final DSLContext dsl = TestDatabase.get().database().dsl();
    private final Fixtures fx = new Fixtures(dsl);

    @Test
    void aWorkerWhoseRecorderDiedIsNotReady() throws Exception {
        TestDatabase.get().reset();
        DeliveryListener breaksTheRecorder = new DeliveryListener() {
            @Override
            public void recorded(AuditEntry entry, String settledAs) {
                throw new AssertionError("a defect after the commit");
            }
        };
        try (TestReceiver receiver = new TestReceiver()) {
            receiver.on("/hook", r -> Reply.status(200));
            fx.endpoint("acct_1", receiver.url("/hook"), null);
            try (Worker worker = new Worker(dsl, Fixtures.testConfig("w-stuck").build(), Clock.systemUTC(),
                    breaksTheRecorder)) {
                worker.start();
                assertTrue(worker.loopAlive(), "ready once started");
                dsl.transaction(cfg -> Outbox.insert(cfg.dsl(), OutboxEvent.of("acct_1", "fileTask.completed", "{}")));
                assertTrue(Await.eventually(Duration.ofSeconds(30), () -> !worker.loopAlive()),
                        "not ready once the recorder is gone");
            }
        }
    }
}
