package com.d3.webhooks.observability;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.d3.webhooks.delivery.Worker;
import com.d3.webhooks.admission.CircuitBreaker;
import com.d3.webhooks.endpoints.EndpointRepository;
import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.MutableClock;
import com.d3.webhooks.testing.TestDatabase;
import com.d3.webhooks.testing.TestReceiver;
import com.d3.webhooks.testing.TestReceiver.Reply;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The breaker and rate-limit meters, scraped in Prometheus format after a worker held deliveries back. */
class EndpointHealthMetricsTest {

    @Test
    void breakerOpeningsAndHeldBackDeliveriesAreCounted() {
        TestDatabase.get().reset();
        var dsl = TestDatabase.get().database().dsl();
        Fixtures fx = new Fixtures(dsl);
        MutableClock clock = MutableClock.startingNow();
        PrometheusMeterRegistry registry = Observability.registry();
        try (TestReceiver receiver = new TestReceiver()) {
            receiver.on("/down", r -> Reply.status(503));
            fx.endpoint("acct_down", receiver.url("/down"), null);
            long limited = fx.endpoint("acct_limited", receiver.url("/limited"), null);
            new EndpointRepository(dsl).setRateLimit(limited, 2, clock.instant());
            for (int i = 0; i < 2; i++) {
                fx.event("acct_down", "fileTask.completed", "{}");
            }
            for (int i = 0; i < 5; i++) {
                fx.event("acct_limited", "fileTask.completed", "{}");
            }
            WorkerMetrics metrics = new WorkerMetrics(registry, "w-1", () -> 0);
            try (Worker worker = new Worker(dsl, Fixtures.testConfig("w-1")
                    .breaker(new CircuitBreaker(2, Duration.ofSeconds(30), Duration.ofMinutes(5), 0)).build(),
                    clock, metrics)) {
                // 2 failures open the breaker; 2 of the 5 limited deliveries go, 3 are held back.
                worker.runOnce();
                fx.event("acct_down", "fileTask.completed", "{}");
                clock.advance(Duration.ofMillis(100));
                // The new delivery to the open breaker is held back; no token yet for the limited ones.
                worker.runOnce();
            }
            String scrape = registry.scrape();
            assertEquals(1.0, Scrapes.value(scrape, "outbox_breaker_openings_total"), scrape);
            assertEquals(1.0, Scrapes.value(scrape, "outbox_deliveries_held_back_total{reason=\"breaker\"}"), scrape);
            assertEquals(3.0, Scrapes.value(scrape, "outbox_deliveries_held_back_total{reason=\"rate_limit\"}"), scrape);
            assertEquals(2, receiver.received("/limited").size());
        }
    }
}
