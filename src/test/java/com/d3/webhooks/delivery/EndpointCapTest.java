package com.d3.webhooks.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.audit.AuditEntry;
import com.d3.webhooks.outbox.Outbox;
import com.d3.webhooks.outbox.OutboxEvent;
import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.TestDatabase;
import com.d3.webhooks.testing.TestReceiver;
import com.d3.webhooks.testing.TestReceiver.Reply;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicInteger;
import org.jooq.DSLContext;
import org.junit.jupiter.api.Test;
import com.d3.webhooks.testing.Await;
import java.time.Duration;

/**
 * The per-endpoint cap costs nothing while the endpoint keeps up: with the worker's default
 * settings, a burst of many more deliveries to one fast endpoint than the cap is sent as slots free,
 * from memory, and none of them is given back to wait for a later claim.
 */
class EndpointCapTest {

    private final DSLContext dsl = TestDatabase.get().database().dsl();
    private final Fixtures fx = new Fixtures(dsl);

    @Test
    void aBurstToOneFastEndpointIsNeverGivenBack() throws Exception {
        TestDatabase.get().reset();
        // Three times the cap, in one claim: two thirds of them find the endpoint at its cap.
        int events = 3 * WorkerConfig.DEFAULT_MAX_IN_FLIGHT_PER_ENDPOINT;
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        AtomicInteger givenBack = new AtomicInteger();
        AtomicInteger succeeded = new AtomicInteger();
        AtomicInteger claimed = new AtomicInteger();
        DeliveryListener listener = new DeliveryListener() {
            @Override
            public void claimed(int deliveries) {
                claimed.addAndGet(deliveries);
            }

            @Override
            public void recorded(AuditEntry entry, String settledAs) {
                if (settledAs.equals("succeeded")) {
                    succeeded.incrementAndGet();
                }
            }

            @Override
            public void heldBack(String reason, int deliveries) {
                givenBack.addAndGet(deliveries);
            }
        };
        try (TestReceiver receiver = new TestReceiver()) {
            receiver.on("/hook", r -> {
                most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                try {
                    Thread.sleep(2); // a fast receiver that still overlaps requests
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                inFlight.decrementAndGet();
                return Reply.status(200);
            });
            fx.endpoint("acct_fast", receiver.url("/hook"), null);
            // The defaults, but for the loopback receiver.
            WorkerConfig defaults = WorkerConfig.builder("w-defaults").allowPrivateNetwork(true).build();
            try (Worker worker = new Worker(dsl, defaults, Clock.systemUTC(), listener)) {
                worker.start();
                // A warm worker: its first request's class loading and connection are behind it.
                insert(1);
                awaitSucceeded(succeeded, 1);
                insert(events);
                awaitSucceeded(succeeded, 1 + events);
            }
        }
        assertEquals(1 + events, succeeded.get(), "every delivery succeeded");
        assertEquals(1 + events, claimed.get(), "each delivery claimed once: none came back for a second claim");
        assertEquals(0, givenBack.get(), "deliveries given back to the database to wait for a later claim");
        assertTrue(most.get() <= WorkerConfig.DEFAULT_MAX_IN_FLIGHT_PER_ENDPOINT,
                "at most the cap in flight, saw " + most.get());
        assertEquals(1 + events, fx.deliveries().stream().filter(d -> d.getAttempts() == 1).count(),
                "each delivery took exactly one attempt");
    }

    private void insert(int events) {
        dsl.transaction(cfg -> {
            for (int n = 0; n < events; n++) {
                Outbox.insert(cfg.dsl(), OutboxEvent.of("acct_fast", "fileTask.completed", "{}"));
            }
        });
    }

    private static void awaitSucceeded(AtomicInteger succeeded, int count) {
        Await.eventually(Duration.ofSeconds(60), () -> succeeded.get() >= count);
    }
}
