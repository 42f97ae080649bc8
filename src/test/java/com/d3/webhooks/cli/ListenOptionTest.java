package com.d3.webhooks.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.outbox.Outbox;
import com.d3.webhooks.outbox.OutboxEvent;
import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.TestDatabase;
import com.d3.webhooks.testing.TestReceiver;
import com.d3.webhooks.testing.WorkerProcess;
import java.util.List;
import java.util.Map;
import org.jooq.DSLContext;
import org.junit.jupiter.api.Test;
import com.d3.webhooks.testing.Await;
import java.time.Duration;

/**
 * {@code outbox worker --listen} as operators run it: a worker process polling every 10 minutes
 * still delivers within seconds an event whose transaction ran NOTIFY webhook_outbox.
 */
class ListenOptionTest {

    @Test
    void aWorkerStartedWithListenDeliversANotifiedEventWithoutWaitingForThePoll() throws Exception {
        TestDatabase.get().reset();
        DSLContext dsl = TestDatabase.get().database().dsl();
        Fixtures fx = new Fixtures(dsl);
        try (TestReceiver receiver = new TestReceiver();
             WorkerProcess worker = WorkerProcess.start("listen", List.of(), Map.of(),
                     "--allow-private-network", "--listen", "--poll-min", "10m", "--poll-max", "10m")) {
            fx.endpoint("acct_1", receiver.url("/hook"), null);
            assertTrue(Await.eventually(Duration.ofSeconds(60), () -> worker.logText().contains("listening for NOTIFY webhook_outbox")),
                    worker.logText());
            Thread.sleep(500); // the wake-up on connecting has run its pass over an empty outbox

            dsl.transaction(cfg -> {
                Outbox.insert(cfg.dsl(), OutboxEvent.of("acct_1", "fileTask.completed", "{\"n\": 1}"));
                Outbox.wakeWorkers(cfg.dsl());
            });

            assertTrue(Await.eventually(Duration.ofSeconds(20), () -> receiver.received().size() == 1),
                    "delivered on the NOTIFY, not at the poll 10 minutes later; log:\n" + worker.logText());
            assertTrue(Await.eventually(Duration.ofSeconds(10), () -> fx.deliveries().get(0).getState().equals("succeeded")),
                    "and recorded; log:\n" + worker.logText());
        }
    }
}
