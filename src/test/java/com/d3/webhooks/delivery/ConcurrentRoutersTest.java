package com.d3.webhooks.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.TestDatabase;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jooq.DSLContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Routers in several workers at once: each event is routed once, none is left behind, and the
 * events of one ordering key start their ordered deliveries in outbox order.
 */
class ConcurrentRoutersTest {

    private static final int EVENTS = 2000;
    /** Events per key, in a row; two routers' batches of {@link #BATCH} split each key's first events. */
    private static final int PER_KEY = 4;
    private static final int BATCH = 2;
    private static final int ROUTERS = 2;

    private final DSLContext dsl = TestDatabase.get().database().dsl();
    private final Fixtures fx = new Fixtures(dsl);

    @BeforeEach
    void empty() {
        TestDatabase.get().reset();
    }

    @Test
    void twoRoutersAtOnceRouteEveryEventOnceAndEachKeyInOutboxOrder() throws Exception {
        long ordered = fx.orderedEndpoint("acct_1", "http://127.0.0.1:9/ordered", null);
        fx.endpoint("acct_1", "http://127.0.0.1:9/unordered", null);
        fx.numberedEvents("acct_1", EVENTS, n -> "key-" + n / PER_KEY);

        CyclicBarrier start = new CyclicBarrier(ROUTERS);
        ExecutorService pool = Executors.newFixedThreadPool(ROUTERS);
        List<Future<Integer>> routed = new ArrayList<>();
        for (int r = 0; r < ROUTERS; r++) {
            routed.add(pool.submit(() -> {
                EventRouter router = new EventRouter(dsl, BATCH, 1 << 20);
                start.await();
                int total = 0;
                while (router.hasUnrouted()) {
                    total += router.routeBatch(Instant.now());
                }
                return total;
            }));
        }
        int total = 0;
        for (Future<Integer> f : routed) {
            int n = f.get();
            assertTrue(n > 0, "every router took part");
            total += n;
        }
        pool.shutdown();

        assertEquals(EVENTS, total, "each event taken off the queue once");
        assertEquals(0, dsl.fetchCount(dsl.selectFrom("webhook_outbox_unrouted")), "none left behind");
        assertEquals(2 * EVENTS, dsl.fetchCount(dsl.selectFrom("webhook_deliveries")), "one delivery per endpoint");
        assertEquals(EVENTS, dsl.fetchOne("SELECT count(DISTINCT outbox_id) FROM webhook_deliveries").get(0, Integer.class));
        // Of each key's deliveries to the ordered endpoint exactly one may go: its first in outbox order.
        var heads = dsl.fetch("""
                SELECT ordering_key,
                       count(*) FILTER (WHERE state = 'pending') AS pending,
                       min(outbox_id) FILTER (WHERE state = 'pending') = min(outbox_id) AS first_is_pending
                  FROM webhook_deliveries WHERE endpoint_id = ? AND ordering_key IS NOT NULL
                 GROUP BY ordering_key""", ordered);
        assertEquals(EVENTS / PER_KEY, heads.size());
        for (var h : heads) {
            assertEquals(1, h.get("pending", Integer.class), "one delivery of " + h.get(0) + " may go");
            assertTrue(h.get("first_is_pending", Boolean.class), "the first of " + h.get(0) + " goes first");
        }
    }
}
