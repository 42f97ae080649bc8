package com.d3.webhooks.delivery;

import com.d3.webhooks.db.DbTime;
import java.sql.Array;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import org.jooq.DSLContext;
import org.jooq.Query;
import org.postgresql.PGStatement;

/**
 * Ordered delivery: of the deliveries of one ordering key to one ordered endpoint, only the
 * head is ever pending; the others wait in state 'waiting', outside the claim index, so the
 * claim stays one short statement whatever the backlog.
 *
 * <p>Whoever may have changed who the head is (routing a new delivery, a success, an operator's
 * skip) calls {@link #promoteHeads} after its write, in the same transaction. It first takes a
 * transaction-scoped advisory lock per key, so of two transactions touching one key the second
 * decides only after the first committed, and a waiting delivery is never left behind.
 */
public final class OrderedKeys {

    /** One key's stream to one endpoint. */
    public record Key(long endpointId, String orderingKey) {
    }

    private static final Comparator<Key> LOCK_ORDER =
            Comparator.comparingLong(Key::endpointId).thenComparing(Key::orderingKey);

    private OrderedKeys() {
    }

    /** Per-key transaction locks, taken in the order of the arrays (sorted by {@link #LOCK_ORDER}). */
    private static final String LOCK_SQL = """
            SELECT pg_advisory_xact_lock(k.endpoint_id::int, hashtext(k.ordering_key))
              FROM unnest(?::bigint[], ?::text[]) AS k(endpoint_id, ordering_key)""";

    /**
     * Per key: its earliest waiting delivery, unless an earlier one of the key is pending, in
     * flight, or failed on an endpoint whose policy is to block. Only the index entries before that
     * delivery are read, so the cost does not grow with the key's backlog. (Nothing later than a
     * waiting delivery is ever pending: routing adds deliveries as waiting, and only an earlier
     * one's success, skip or failure lets a later one go.) The check is a scalar subquery so that
     * it stays one index probe per key: as NOT EXISTS the planner may turn it into a hash anti join
     * over every unfinished delivery. Parameters: now, now, endpoint ids, ordering keys.
     */
    private static final String PROMOTE_SQL = """
            UPDATE webhook_deliveries d
               SET state = 'pending', next_attempt_at = ?::timestamptz, updated_at = ?::timestamptz
              FROM unnest(?::bigint[], ?::text[]) AS k(endpoint_id, ordering_key)
              JOIN webhook_endpoints e ON e.id = k.endpoint_id
              CROSS JOIN LATERAL (
                    SELECT w.id,
                           (SELECT a.id FROM webhook_deliveries a
                             WHERE a.endpoint_id = w.endpoint_id AND a.ordering_key = w.ordering_key
                               AND a.outbox_id < w.outbox_id
                               AND a.state IN ('pending', 'in_flight', 'failed')
                               AND (a.state <> 'failed' OR e.on_exhausted = 'block')
                             LIMIT 1) AS blocked_by
                      FROM webhook_deliveries w
                     WHERE w.endpoint_id = k.endpoint_id AND w.ordering_key = k.ordering_key
                       AND w.state = 'waiting'
                     ORDER BY w.outbox_id
                     LIMIT 1) AS head
             WHERE d.id = head.id AND d.state = 'waiting' AND head.blocked_by IS NULL""";

    /**
     * For each key with no delivery pending, in flight or failed (a failed one blocks its key,
     * unless the endpoint's on_exhausted policy is 'skip'), makes its earliest waiting delivery
     * pending and due now. Returns how many it promoted. Plain JDBC: the recorder runs this for
     * every batch with ordered deliveries, and rendering it with jOOQ cost more than running it.
     */
    public static int promoteHeads(DSLContext tx, Collection<Key> keys, Instant now) {
        if (keys.isEmpty()) {
            return 0;
        }
        List<Key> sorted = sorted(keys);
        Long[] endpoints = sorted.stream().map(Key::endpointId).toArray(Long[]::new);
        String[] names = sorted.stream().map(Key::orderingKey).toArray(String[]::new);
        OffsetDateTime at = DbTime.utc(now);
        return tx.connectionResult(c -> {
            Array endpointArray = c.createArrayOf("bigint", endpoints);
            Array nameArray = c.createArrayOf("text", names);
            // Locked in one global order, so two transactions never wait for each other in a
            // cycle; and in a statement of their own, so the promotion's snapshot sees what the
            // transactions that held them committed.
            try (PreparedStatement lock = c.prepareStatement(LOCK_SQL)) {
                lock.setArray(1, endpointArray);
                lock.setArray(2, nameArray);
                lock.execute();
            }
            try (PreparedStatement promote = c.prepareStatement(PROMOTE_SQL)) {
                // Planned for each run's own keys, never once for all: the driver would otherwise
                // switch to a server-side statement, whose generic plan PostgreSQL may make while
                // webhook_deliveries is nearly empty and keep as it grows. In a bench drain that
                // plan scanned the whole table for every batch (636 ms a statement at 20,000
                // rows; the run fell from ~2,200 to 59 deliveries/s).
                promote.unwrap(PGStatement.class).setPrepareThreshold(0);
                promote.setObject(1, at);
                promote.setObject(2, at);
                promote.setArray(3, endpointArray);
                promote.setArray(4, nameArray);
                return promote.executeUpdate();
            }
        });
    }

    /**
     * The promotion statement of {@link #promoteHeads}, unexecuted and without the advisory locks
     * that must come first: bin/bench EXPLAINs it.
     */
    public static Query promotion(DSLContext tx, Collection<Key> keys, Instant now) {
        List<Key> sorted = sorted(keys);
        OffsetDateTime at = DbTime.utc(now);
        return tx.query(PROMOTE_SQL, at, at, sorted.stream().map(Key::endpointId).toArray(Long[]::new),
                sorted.stream().map(Key::orderingKey).toArray(String[]::new));
    }

    private static List<Key> sorted(Collection<Key> keys) {
        return keys.stream().distinct().sorted(LOCK_ORDER).toList();
    }
}
