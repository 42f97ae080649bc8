package com.d3.webhooks.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.outbox.Outbox;
import com.d3.webhooks.outbox.OutboxEvent;
import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.TestDatabase;
import com.d3.webhooks.testing.TestReceiver;
import java.time.Clock;
import java.time.Duration;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import com.d3.webhooks.testing.Await;

/**
 * Workers poll every 10 minutes here, so an event delivered within seconds was claimed because a
 * NOTIFY woke the worker; and one inserted without NOTIFY shows the poll alone would have waited.
 */
class WakeupListenerTest {

    private static final Duration LONG_POLL = Duration.ofMinutes(10);
    private static final Duration PROMPTLY = Duration.ofSeconds(20);

    private DSLContext dsl;
    private Fixtures fx;
    private TestReceiver receiver;
    private Worker worker;
    private WakeupListener listener;

    /** A worker polling every 10 minutes, its listener, and an endpoint on a loopback receiver. */
    @BeforeEach
    void setUp() throws Exception {
        TestDatabase.get().reset();
        dsl = TestDatabase.get().database().dsl();
        fx = new Fixtures(dsl);
        receiver = new TestReceiver();
        fx.endpoint("acct_1", receiver.url("/hook"), null);
        worker = fx.worker(Fixtures.testConfig("w-listen").pollMin(LONG_POLL).pollMax(LONG_POLL).build(),
                Clock.systemUTC());
        listener = WakeupListener.start(TestDatabase.get().database().dataSource(), worker::wake);
        worker.start();
    }

    @AfterEach
    void tearDown() {
        listener.close();
        worker.close();
        receiver.close();
    }

    @Test
    void aCommittedNotifyWakesTheWorkerAndAnEventWithoutOneWaitsForThePoll() throws Exception {
        awaitListening(-1);

        fx.event("acct_1", "fileTask.completed", "{\"n\": 1}");
        Thread.sleep(1500);
        assertEquals(0, receiver.received().size(), "without NOTIFY the event waits for the next poll");

        insertAndNotify(2);
        assertTrue(Await.eventually(PROMPTLY, () -> receiver.received().size() == 2),
                "the NOTIFY woke the worker; both pending events went: " + receiver.received().size());
    }

    @Test
    void aRolledBackNotifyWakesNobody() throws Exception {
        awaitListening(-1);

        fx.event("acct_1", "fileTask.completed", "{\"n\": 1}");
        assertThrows(IllegalStateException.class, () -> dsl.transaction(cfg -> {
            Outbox.wakeWorkers(cfg.dsl());
            throw new IllegalStateException("the application's transaction fails");
        }));
        Thread.sleep(1500);
        assertEquals(0, receiver.received().size(), "PostgreSQL drops the NOTIFY of a rolled-back transaction");
    }

    @Test
    void theListenerReconnectsAfterItsSessionIsKilled() throws Exception {
        int first = awaitListening(-1);

        assertTrue(dsl.resultQuery("SELECT pg_terminate_backend(?)", first).fetchOne(0, Boolean.class));
        awaitListening(first);

        insertAndNotify(1);
        assertTrue(Await.eventually(PROMPTLY, () -> receiver.received().size() == 1),
                "the listener is back and the NOTIFY woke the worker");
    }

    private void insertAndNotify(int n) {
        dsl.transaction(cfg -> {
            Outbox.insert(cfg.dsl(), OutboxEvent.of("acct_1", "fileTask.completed", "{\"n\": " + n + "}"));
            Outbox.wakeWorkers(cfg.dsl());
        });
    }

    /**
     * Waits for a session other than {@code notPid} listening on the channel, and returns its pid;
     * then lets the pass the listener's wake on connecting starts run on an empty outbox.
     */
    private int awaitListening(int notPid) throws InterruptedException {
        int[] pid = new int[1];
        assertTrue(Await.eventually(PROMPTLY, () -> {
            Integer p = dsl.resultQuery("SELECT min(pid) FROM pg_stat_activity WHERE query = ? AND pid <> ?",
                    "LISTEN " + Outbox.WAKEUP_CHANNEL, notPid).fetchOne(0, Integer.class);
            pid[0] = p == null ? 0 : p;
            return p != null;
        }), "a session listens");
        Thread.sleep(300);
        return pid[0];
    }
}
