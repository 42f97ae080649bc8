package com.d3.webhooks.delivery;

import com.d3.webhooks.db.DbTime;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.Collection;
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

    private OrderedKeys() {
    }

    /**
     * Per-key transaction locks, in the order of the arrays: the pairs (endpoint id, hash of the
     * key), sorted by {@link #lockOrder}. One global order, so two transactions never wait for
     * each other in a cycle; sorted here rather than in SQL, because the routing transaction
     * prices sorts out of its plans (see EventRouter).
     */
    private static final String LOCK_SQL = """
            SELECT pg_advisory_xact_lock(l.endpoint, l.key_hash)
              FROM unnest(?::int[], ?::int[]) AS l(endpoint, key_hash)""";

    /**
     * Per key: its first delivery that still holds the key (waiting, pending, in flight, or failed
     * on an endpoint whose policy is to block), promoted when that one is waiting. One walk of the
     * key's entries in the ordering index, stopping at the first that holds the key, so the cost
     * does not grow with the key's backlog. (Nothing later than a waiting delivery is ever
     * pending: routing adds deliveries as waiting, and only an earlier one's success, skip or
     * failure lets a later one go.) Parameters: now, now, endpoint ids, ordering keys.
     */
    private static final String PROMOTE_SQL = """
            UPDATE webhook_deliveries d
               SET state = 'pending', next_attempt_at = ?::timestamptz, updated_at = ?::timestamptz
              FROM unnest(?::bigint[], ?::text[]) AS k(endpoint_id, ordering_key)
              JOIN webhook_endpoints e ON e.id = k.endpoint_id
              CROSS JOIN LATERAL (
                    SELECT f.id, f.state
                      FROM webhook_deliveries f
                     WHERE f.endpoint_id = k.endpoint_id AND f.ordering_key = k.ordering_key
                       AND f.state IN ('waiting', 'pending', 'in_flight', 'failed')
                       AND (f.state <> 'failed' OR e.on_exhausted = 'block')
                     ORDER BY f.outbox_id
                     LIMIT 1) AS head
             WHERE d.id = head.id AND head.state = 'waiting' AND d.state = 'waiting'""";

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
        List<Key> distinct = keys.stream().distinct().toList();
        Long[] endpoints = distinct.stream().map(Key::endpointId).toArray(Long[]::new);
        String[] names = distinct.stream().map(Key::orderingKey).toArray(String[]::new);
        long[] locks = lockOrder(distinct);
        OffsetDateTime at = DbTime.utc(now);
        return tx.connectionResult(c -> {
            // In a statement of their own, so the promotion's snapshot sees what the transactions
            // that held them committed.
            try (PreparedStatement lock = c.prepareStatement(LOCK_SQL)) {
                lock.setArray(1, c.createArrayOf("integer", Arrays.stream(locks).mapToObj(l -> (int) (l >> 32))
                        .toArray(Integer[]::new)));
                lock.setArray(2, c.createArrayOf("integer", Arrays.stream(locks).mapToObj(l -> (int) l)
                        .toArray(Integer[]::new)));
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
                promote.setArray(3, c.createArrayOf("bigint", endpoints));
                promote.setArray(4, c.createArrayOf("text", names));
                return promote.executeUpdate();
            }
        });
    }

    /**
     * The promotion statement of {@link #promoteHeads}, unexecuted and without the advisory locks
     * that must come first: bin/bench EXPLAINs it.
     */
    public static Query promotion(DSLContext tx, Collection<Key> keys, Instant now) {
        OffsetDateTime at = DbTime.utc(now);
        return tx.query(PROMOTE_SQL, at, at, keys.stream().map(Key::endpointId).toArray(Long[]::new),
                keys.stream().map(Key::orderingKey).toArray(String[]::new));
    }

    /**
     * The keys' advisory locks, distinct and in ascending order, each packed as (endpoint id in
     * the high 32 bits, the key's String hash in the low 32). Two keys that share a lock only
     * wait for each other; the hash is fixed by the Java language, so every worker agrees.
     */
    static long[] lockOrder(Collection<Key> keys) {
        return keys.stream()
                .mapToLong(k -> ((long) (int) k.endpointId() << 32) | (k.orderingKey().hashCode() & 0xFFFF_FFFFL))
                .distinct().sorted().toArray();
    }
}
