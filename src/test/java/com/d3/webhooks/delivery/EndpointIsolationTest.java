package com.d3.webhooks.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.outbox.Outbox;
import com.d3.webhooks.outbox.OutboxEvent;
import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.TestDatabase;
import com.d3.webhooks.testing.TestReceiver;
import com.d3.webhooks.testing.TestReceiver.Reply;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jooq.DSLContext;
import org.jooq.exception.DataAccessException;
import org.junit.jupiter.api.Test;

/** A slow endpoint holds at most its share of the senders; the others keep flowing. */
class EndpointIsolationTest {

    private final DSLContext dsl = TestDatabase.get().database().dsl();
    private final Fixtures fx = new Fixtures(dsl);

    @Test
    void aSlowEndpointNeverHasMoreThanItsCapInFlight() throws Exception {
        TestDatabase.get().reset();
        AtomicInteger current = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        AtomicInteger healthyWhileSlowBusy = new AtomicInteger();
        try (TestReceiver receiver = new TestReceiver()) {
            receiver.on("/slow", r -> {
                most.accumulateAndGet(current.incrementAndGet(), Math::max);
                try {
                    Thread.sleep(600);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                current.decrementAndGet();
                return Reply.status(200);
            });
            for (int i = 0; i < 9; i++) {
                receiver.on("/healthy" + i, r -> {
                    if (current.get() > 0) {
                        healthyWhileSlowBusy.incrementAndGet();
                    }
                    return Reply.status(200);
                });
            }
            fx.endpoint("acct_slow", receiver.url("/slow"), null);
            for (int i = 0; i < 9; i++) {
                fx.endpoint("acct_" + i, receiver.url("/healthy" + i), null);
            }
            dsl.transaction(cfg -> {
                for (int n = 0; n < 12; n++) {
                    Outbox.insert(cfg.dsl(), OutboxEvent.of("acct_slow", "fileTask.completed", "{}"));
                    for (int i = 0; i < 9; i++) {
                        Outbox.insert(cfg.dsl(), OutboxEvent.of("acct_" + i, "fileTask.completed", "{}"));
                    }
                }
            });

            try (Worker worker = fx.worker(Fixtures.testConfig("w-1").concurrency(8).maxInFlightPerEndpoint(2)
                    .requestTimeout(Duration.ofSeconds(5)).exitWhenIdle(true).build(), Clock.systemUTC())) {
                worker.start();
                worker.awaitStopped();
            }
            // Deliveries given back because their endpoint was busy may be due a moment later.
            try (Worker last = fx.worker(Fixtures.testConfig("w-2").maxInFlightPerEndpoint(2).build(),
                    Clock.systemUTC())) {
                while (fx.deliveries().stream().anyMatch(d -> !d.getState().equals("succeeded"))) {
                    Thread.sleep(200);
                    last.drainDue();
                }
            }
        }
        assertTrue(most.get() <= 2, "at most the cap in flight to the slow endpoint, saw " + most.get());
        assertEquals(2, most.get(), "the slow endpoint did get its share");
        assertTrue(healthyWhileSlowBusy.get() > 0, "healthy endpoints were served while the slow one was busy");
        assertTrue(fx.deliveries().stream().allMatch(d -> d.getAttempts() == 1),
                "a delivery given back for its busy endpoint spends no attempt");
        assertEquals(120, fx.audit().size());
    }

    @Test
    void anEndpointsOwnMaxInFlightOverridesTheWorkersCap() throws Exception {
        TestDatabase.get().reset();
        Map<String, AtomicInteger> current = new ConcurrentHashMap<>();
        Map<String, AtomicInteger> most = new ConcurrentHashMap<>();
        try (TestReceiver receiver = new TestReceiver()) {
            for (String path : new String[] {"/one", "/four", "/default"}) {
                current.put(path, new AtomicInteger());
                most.put(path, new AtomicInteger());
                receiver.on(path, r -> {
                    most.get(path).accumulateAndGet(current.get(path).incrementAndGet(), Math::max);
                    try {
                        Thread.sleep(300);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    current.get(path).decrementAndGet();
                    return Reply.status(200);
                });
            }
            long one = fx.endpoint("acct_1", receiver.url("/one"), null);
            long four = fx.endpoint("acct_1", receiver.url("/four"), null);
            fx.endpoint("acct_1", receiver.url("/default"), null);
            dsl.execute("UPDATE webhook_endpoints SET max_in_flight = 1 WHERE id = ?", one);
            dsl.execute("UPDATE webhook_endpoints SET max_in_flight = 4 WHERE id = ?", four);
            assertThrows(DataAccessException.class,
                    () -> dsl.execute("UPDATE webhook_endpoints SET max_in_flight = 0 WHERE id = ?", one),
                    "webhook_endpoints_max_in_flight_check refuses 0");
            dsl.transaction(cfg -> {
                for (int n = 0; n < 12; n++) {
                    Outbox.insert(cfg.dsl(), OutboxEvent.of("acct_1", "fileTask.completed", "{}"));
                }
            });

            try (Worker worker = fx.worker(Fixtures.testConfig("w-1").concurrency(12).maxInFlightPerEndpoint(2)
                    .build(), Clock.systemUTC())) {
                while (fx.deliveries().size() < 36
                        || fx.deliveries().stream().anyMatch(d -> !d.getState().equals("succeeded"))) {
                    worker.drainDue();
                    Thread.sleep(100);
                }
            }
        }
        assertEquals(1, most.get("/one").get(), "max_in_flight 1: one request at a time");
        assertEquals(4, most.get("/four").get(), "max_in_flight 4 is above the worker's cap of 2");
        assertEquals(2, most.get("/default").get(), "no max_in_flight: the worker's cap");
        assertEquals(36, fx.audit().size());
    }
}
