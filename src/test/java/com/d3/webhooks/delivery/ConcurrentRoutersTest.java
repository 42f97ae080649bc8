package com.d3.webhooks.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.TestDatabase;
import java.sql.Connection;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Routers in several workers at once: each event is routed once, none is left behind, the events
 * of one ordering key start their ordered deliveries in outbox order, routers route side by side
 * over closely interleaved keys, and one that dies mid-batch loses nothing.
 */
class ConcurrentRoutersTest {

    private static final int EVENTS = 2000;
    /** Events per key, in a row; two routers' batches of {@link #BATCH} split each key's first events. */
    private static final int PER_KEY = 4;
    private static final int BATCH = 2;
    private static final int ROUTERS = 2;
    private static final int INTERLEAVED_KEYS = 8;

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
        fx.numberedEvents("acct_1", EVENTS, i -> "key-" + i / PER_KEY);

        List<Integer> routed = routeAtOnce(ROUTERS, BATCH);

        routed.forEach(n -> assertTrue(n > 0, "every router took part"));
        assertEquals(EVENTS, routed.stream().mapToInt(Integer::intValue).sum(), "each event taken off the queue once");
        assertEachEventRoutedOnceInKeyOrder(2, ordered);
    }

    /** Few keys, closely interleaved: every batch holds several events of each. */
    @Test
    void threeRoutersOverCloselyInterleavedKeysKeepEachKeyInOutboxOrder() throws Exception {
        long ordered = fx.orderedEndpoint("acct_1", "http://127.0.0.1:9/ordered", null);
        fx.numberedEvents("acct_1", EVENTS, i -> "key-" + i % INTERLEAVED_KEYS);

        List<Integer> routed = routeAtOnce(3, 10 * INTERLEAVED_KEYS);

        assertEquals(EVENTS, routed.stream().mapToInt(Integer::intValue).sum(), "each event taken off the queue once");
        assertEachEventRoutedOnceInKeyOrder(1, ordered);
    }

    /**
     * While one router's batch is open, a second one routes events of other keys rather than
     * holding back every event whose key the first one has.
     */
    @Test
    void aSecondRouterRoutesOtherKeysWhileTheFirstHoldsItsBatch() {
        fx.endpoint("acct_1", "http://127.0.0.1:9/unordered", null);
        fx.numberedEvents("acct_1", EVENTS, i -> "key-" + i % INTERLEAVED_KEYS);
        int batch = 2 * INTERLEAVED_KEYS;

        try (Connection first = TestDatabase.get().database().dataSource().getConnection()) {
            first.setAutoCommit(false);
            DSL.using(first, SQLDialect.POSTGRES).transaction(open -> {
                assertEquals(batch, new EventRouter(open.dsl(), batch, 1 << 20).routeBatch(Instant.now()));
                Set<String> firstKeys = routedKeys(open.dsl());

                int second = new EventRouter(dsl, batch, 1 << 20).routeBatch(Instant.now());

                assertTrue(second > 0, "the second router routed while the first one's batch was open");
                Set<String> secondKeys = routedKeys(dsl);
                secondKeys.retainAll(firstKeys);
                assertEquals(Set.of(), secondKeys, "no key routed by both");
            });
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A router that dies mid-batch gives back what it held: another one routes all of it, in order. */
    @Test
    void aRouterThatDiesMidBatchLosesNothing() throws Exception {
        long ordered = fx.orderedEndpoint("acct_1", "http://127.0.0.1:9/ordered", null);
        fx.numberedEvents("acct_1", EVENTS, i -> i % 5 == 0 ? null : "key-" + i % INTERLEAVED_KEYS);
        int batch = 2 * INTERLEAVED_KEYS;

        try (Connection dying = TestDatabase.get().database().dataSource().getConnection()) {
            dying.setAutoCommit(false);
            assertThrows(DataAccessException.class, () -> DSL.using(dying, SQLDialect.POSTGRES).transaction(open -> {
                assertEquals(batch, new EventRouter(open.dsl(), batch, 1 << 20).routeBatch(Instant.now()));
                // Its backend ends before the batch commits, as when the worker's process or host dies.
                dsl.execute("SELECT pg_terminate_backend(?)", open.dsl().fetchValue("SELECT pg_backend_pid()"));
            }), "the dead router's batch never commits");
        }

        assertEquals(List.of(EVENTS), routeAtOnce(1, batch), "every event routed by the survivor");
        assertEachEventRoutedOnceInKeyOrder(1, ordered);
    }

    /** {@code routers} routers, each on a thread and connection of its own, until the queue is empty. */
    private List<Integer> routeAtOnce(int routers, int batch) throws Exception {
        CyclicBarrier start = new CyclicBarrier(routers);
        ExecutorService pool = Executors.newFixedThreadPool(routers);
        try {
            List<Future<Integer>> routed = new ArrayList<>();
            for (int r = 0; r < routers; r++) {
                routed.add(pool.submit(() -> {
                    EventRouter router = new EventRouter(dsl, batch, 1 << 20);
                    start.await();
                    int total = 0;
                    int n;
                    do {
                        n = router.routeBatch(Instant.now());
                        total += n;
                    } while (n > 0 || router.hasUnrouted());
                    return total;
                }));
            }
            List<Integer> totals = new ArrayList<>();
            for (Future<Integer> f : routed) {
                totals.add(f.get());
            }
            return totals;
        } finally {
            pool.shutdown();
        }
    }

    /**
     * Nothing left queued, one delivery per event and endpoint, and the ordered endpoint's
     * deliveries of each key created in outbox order (delivery ids grow with the outbox id), of
     * which only the first may go.
     */
    private void assertEachEventRoutedOnceInKeyOrder(int endpoints, long ordered) {
        assertEquals(0, dsl.fetchCount(dsl.selectFrom("webhook_outbox_unrouted")), "none left behind");
        assertEquals(endpoints * EVENTS, dsl.fetchCount(dsl.selectFrom("webhook_deliveries")),
                "one delivery per endpoint");
        assertEquals(EVENTS, dsl.fetchOne("SELECT count(DISTINCT outbox_id) FROM webhook_deliveries").get(0, Integer.class));
        var heads = dsl.fetch("""
                SELECT ordering_key,
                       count(*) FILTER (WHERE state = 'pending') AS pending,
                       min(outbox_id) FILTER (WHERE state = 'pending') = min(outbox_id) AS first_is_pending,
                       array_agg(outbox_id ORDER BY id) = array_agg(outbox_id ORDER BY outbox_id) AS in_outbox_order
                  FROM webhook_deliveries WHERE endpoint_id = ? AND ordering_key IS NOT NULL
                 GROUP BY ordering_key""", ordered);
        assertFalse(heads.isEmpty());
        for (var h : heads) {
            assertEquals(1, h.get("pending", Integer.class), "one delivery of " + h.get(0) + " may go");
            assertTrue(h.get("first_is_pending", Boolean.class), "the first of " + h.get(0) + " goes first");
            assertTrue(h.get("in_outbox_order", Boolean.class), "the deliveries of " + h.get(0) + " in outbox order");
        }
    }

    /** The ordering keys of the deliveries {@code reader} sees. */
    private static Set<String> routedKeys(DSLContext reader) {
        return new HashSet<>(reader.fetch("SELECT DISTINCT o.ordering_key FROM webhook_deliveries d "
                + "JOIN webhook_outbox o ON o.id = d.outbox_id").getValues(0, String.class));
    }
}
