package com.d3.webhooks.observability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.MutableClock;
import com.d3.webhooks.testing.TestDatabase;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.lang.ref.WeakReference;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The worker registers its gauges and keeps no reference to their state; a registry holds gauge
 * state weakly, so without strong references the gauges read NaN after the first garbage collection.
 */
class GaugeLifetimeTest {

    @Test
    void gaugesStillReadAfterGarbageCollection() {
        TestDatabase.get().reset();
        var dsl = TestDatabase.get().database().dsl();
        new Fixtures(dsl).event("acct_1", "fileTask.completed", "{}");
        PrometheusMeterRegistry registry = Observability.registry();
        AtomicInteger held = new AtomicInteger(3);
        new WorkerMetrics(registry, "w-1", held::get);
        new BacklogGauges(dsl, MutableClock.startingNow(), registry);

        collectGarbage();

        String scrape = registry.scrape();
        assertEquals(3.0, Scrapes.value(scrape, "outbox_in_flight{worker=\"w-1\"}"), scrape);
        assertEquals(0.0, Scrapes.value(scrape, "outbox_endpoints_disabled"), scrape);
        assertTrue(!Double.isNaN(Scrapes.value(scrape, "outbox_deliveries_due")), scrape);
        assertTrue(!Double.isNaN(Scrapes.value(scrape, "outbox_oldest_due_age_seconds")), scrape);
    }

    /** Runs collections until a weakly held sentinel is gone, so weakly held gauge state would be too. */
    private static void collectGarbage() {
        WeakReference<Object> sentinel = new WeakReference<>(new Object());
        for (int i = 0; i < 50 && sentinel.get() != null; i++) {
            System.gc();
        }
        assertTrue(sentinel.get() == null, "no garbage collection happened");
    }
}
