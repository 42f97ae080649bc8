package com.d3.webhooks.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.TestDatabase;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jooq.DSLContext;
import org.junit.jupiter.api.Test;

/**
 * A batch of a small queue reads a few of the queue's index entries, not one per routing
 * partition, nor, again at every batch, the entries of the events routed since the last vacuum.
 * Asking each of the {@value EventRouter#PARTITIONS} partitions in turn whether it had queued
 * events was planned here as one bitmap scan of the whole partition index, which read every dead
 * entry at every batch (a bitmap scan marks none as dead for the next one).
 */
class RoutingPlanTest {

    private static final int ROUTED = 2000;
    private static final int KEYS = 3;
    private static final int PER_KEY = 3;
    /** One queued event in each, the first and the last partition among them. */
    private static final List<Integer> QUEUED_PARTITIONS = List.of(0, 7, 40, 63);

    private final DSLContext dsl = TestDatabase.get().database().dsl();
    private final Fixtures fx = new Fixtures(dsl);

    @Test
    void aBatchOfAFewQueuedEventsReadsFewerIndexEntriesThanThereArePartitions() throws Exception {
        TestDatabase.get().reset();
        fx.endpoint("acct_1", "http://127.0.0.1:9/hook", null);
        // Routed and taken off the queue: dead index entries in every partition, until a vacuum.
        fx.numberedEvents("acct_1", ROUTED);
        EventRouter router = new EventRouter(dsl, 100, 1 << 20);
        while (router.routeBatch(Instant.now()) > 0 || router.hasUnrouted()) {
            // until the queue is empty
        }
        // Committed with the WAL flush, which makes the routers' commits (not flushed) durable too:
        // from here a scan that meets a routed event's entry may mark it dead for the next scans.
        fx.numberedEvents("acct_1", KEYS * PER_KEY, n -> "key-" + n % KEYS);
        // From the last queued partition, so the walk wraps around to the others.
        int start = dsl.fetchOne("SELECT max(routing_partition) FROM webhook_outbox_unrouted").get(0, Integer.class);

        takePlan(start); // an earlier batch's look at the queue, as in a worker: routers keep polling
        JsonNode plan = takePlan(start);

        assertEquals(KEYS * PER_KEY, plan.path("Actual Rows").asInt(), "the batch took every queued event");
        int probes = queueScans(plan);
        int entries = queueEntries(plan);
        assertTrue(probes < EventRouter.PARTITIONS && entries < EventRouter.PARTITIONS, "the queue scanned "
                + probes + " times, " + entries + " index entries read, for " + KEYS * PER_KEY + " events\n"
                + plan.toPrettyString());
    }

    /**
     * From any start, a batch takes the partitions with queued events in turn, wrapping around
     * after the last, and locks only those it reaches before it is full.
     */
    @Test
    void aBatchTakesTheQueuedPartitionsInTurnFromItsStart() throws Exception {
        TestDatabase.get().reset();
        fx.numberedEvents("acct_1", QUEUED_PARTITIONS.size());
        dsl.execute("UPDATE webhook_outbox_unrouted SET routing_partition = (?::int[])[outbox_id]",
                (Object) QUEUED_PARTITIONS.toArray(Integer[]::new));

        for (int start = 0; start < EventRouter.PARTITIONS; start++) {
            int from = start;
            List<Integer> inTurn = QUEUED_PARTITIONS.stream()
                    .sorted(Comparator.comparingInt(p -> Math.floorMod(p - from, EventRouter.PARTITIONS))).toList();
            Taken taken = take(start, 2);
            assertEquals(Set.copyOf(inTurn.subList(0, 2)), taken.partitions(), "from partition " + start);
            assertEquals(2, taken.locks(), "partitions locked from partition " + start);
        }
    }

    /** TAKE_SQL's plan, run (EXPLAIN ANALYZE) and rolled back: nothing is taken. */
    private static JsonNode takePlan(int start) throws Exception {
        return inRolledBackTake("EXPLAIN (ANALYZE, FORMAT JSON) " + EventRouter.TAKE_SQL, start, 100, (c, ps) -> {
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new ObjectMapper().readTree(rs.getString(1)).get(0).get("Plan");
            }
        });
    }

    /** A batch's partitions, and the partition locks its transaction holds. */
    private record Taken(Set<Integer> partitions, int locks) {
    }

    /** A batch of {@code batchSize} events taken from {@code start}, and rolled back. */
    private static Taken take(int start, int batchSize) throws Exception {
        return inRolledBackTake(EventRouter.TAKE_SQL, start, batchSize, (c, ps) -> {
            Set<Integer> partitions = new HashSet<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    partitions.add(rs.getInt("routing_partition"));
                }
            }
            try (PreparedStatement locks = c.prepareStatement("SELECT count(*) FROM pg_locks "
                    + "WHERE locktype = 'advisory' AND pid = pg_backend_pid()");
                 ResultSet rs = locks.executeQuery()) {
                rs.next();
                return new Taken(partitions, rs.getInt(1));
            }
        });
    }

    /** What to do with the take, prepared and bound, inside its transaction. */
    @FunctionalInterface
    private interface InTake<T> {
        T run(Connection c, PreparedStatement take) throws Exception;
    }

    /**
     * Prepares {@code sql} (the take, or a statement around it), binds it for a batch as a router
     * would, with a router's settings, and rolls the transaction back after {@code body}.
     */
    private static <T> T inRolledBackTake(String sql, int start, int batchSize, InTake<T> body) throws Exception {
        try (Connection c = TestDatabase.get().database().dataSource().getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                EventRouter.routingSettings(c);
                EventRouter.bindTake(ps, start, batchSize);
                return body.run(c, ps);
            } finally {
                c.rollback();
            }
        }
    }

    /** How many times the plan scanned the queue's table (through any index), over every node. */
    private static int queueScans(JsonNode node) {
        int loops = "webhook_outbox_unrouted".equals(node.path("Relation Name").asText())
                ? node.path("Actual Loops").asInt() : 0;
        for (JsonNode child : node.path("Plans")) {
            loops += queueScans(child);
        }
        return loops;
    }

    /**
     * The queue's index entries the plan read: those its index scans returned, and those whose
     * row it had to visit to see that it was gone (or still there).
     */
    private static int queueEntries(JsonNode node) {
        int entries = node.path("Index Name").asText().startsWith("webhook_outbox_unrouted_")
                ? node.path("Actual Rows").asInt() * node.path("Actual Loops").asInt() + node.path("Heap Fetches").asInt()
                : 0;
        for (JsonNode child : node.path("Plans")) {
            entries += queueEntries(child);
        }
        return entries;
    }
}
